import {
  DBSnapshot,
  DescribeDBSnapshotsCommandInput,
} from '@aws-sdk/client-rds';
import { SimulatedCloudFormation } from './cloudFormation';

const PAGE = 20;

/**
 * RDS's snapshots: the final ones taken when a stack deleted its database
 * (DeletionPolicy Snapshot), which outlive the stack; read with
 * DescribeDBSnapshots, filtered and paged as RDS does.
 */
export class SimulatedRds {
  constructor(private readonly cloudFormation: SimulatedCloudFormation) {}

  private all(): DBSnapshot[] {
    return this.cloudFormation.finalSnapshots.map((s, i) => ({
      DBSnapshotIdentifier: `${
        s.stackName
      }-${s.logicalId.toLowerCase()}-snapshot-${String(i + 1).padStart(
        4,
        '0',
      )}`,
      DBInstanceIdentifier: s.instanceIdentifier,
      SnapshotType: 'manual',
      Status: 'available',
      SnapshotCreateTime: s.at,
      Engine: 'postgres',
      Encrypted: true,
    }));
  }

  describeDBSnapshots(input: DescribeDBSnapshotsCommandInput) {
    const matching = this.all().filter(
      s =>
        (!input.DBInstanceIdentifier ||
          s.DBInstanceIdentifier === input.DBInstanceIdentifier) &&
        (!input.SnapshotType || s.SnapshotType === input.SnapshotType),
    );
    const start = Number(input.Marker ?? 0);
    const size = input.MaxRecords ?? PAGE;
    return {
      DBSnapshots: matching.slice(start, start + size),
      Marker: start + size < matching.length ? String(start + size) : undefined,
    };
  }
}
