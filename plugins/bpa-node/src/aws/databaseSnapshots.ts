import { DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';

/** What listing the snapshots calls. */
export const DATABASE_SNAPSHOT_ACTIONS = ['rds:DescribeDBSnapshots'];

/** A snapshot of the environment's database that outlives it. */
export interface DatabaseSnapshot {
  identifier: string;
  instance: string;
  /** ISO time the snapshot was taken. */
  createdAt: string;
  status: string;
}

/**
 * The manual snapshots of a database instance, oldest first: the final
 * snapshot RDS takes when the data stack deletes the instance
 * (DeletionPolicy Snapshot) is one, and stays until someone deletes it.
 */
export async function databaseSnapshots(
  rds: RDSClient,
  instance: string,
): Promise<DatabaseSnapshot[]> {
  const found: DatabaseSnapshot[] = [];
  let marker: string | undefined;
  do {
    let page;
    try {
      page = await rds.send(
        new DescribeDBSnapshotsCommand({
          DBInstanceIdentifier: instance,
          SnapshotType: 'manual',
          ...(marker ? { Marker: marker } : {}),
        }),
      );
    } catch (error) {
      throw new Error(
        `RDS DescribeDBSnapshots for ${instance} failed: ${
          (error as Error).message
        }`,
      );
    }
    for (const s of page.DBSnapshots ?? []) {
      found.push({
        identifier: s.DBSnapshotIdentifier ?? '',
        instance: s.DBInstanceIdentifier ?? instance,
        createdAt: s.SnapshotCreateTime?.toISOString() ?? '',
        status: s.Status ?? '',
      });
    }
    marker = page.Marker;
  } while (marker);
  return found.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
