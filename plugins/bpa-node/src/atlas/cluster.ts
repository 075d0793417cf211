import {
  EnvironmentSpec,
  SpecIssue,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import { environmentTags } from '../plan/cloudformation/common';
import { AtlasApi } from './client';
import { AtlasStepContext } from './context';
import { AtlasApiError } from './errors';
import { atlasRegionName } from './regions';
import { ClusterDescription20240805 } from './types';
import { WaitOptions, waitUntil } from './wait';

/** A replica set of three electable nodes: Atlas's smallest highly available topology. */
const ELECTABLE_NODES = 3;
/** The highest election priority, for the only region. */
const PRIMARY_REGION_PRIORITY = 7;

/** Atlas's region name for the environment's region; throws a message naming the field when Atlas is not there. */
export function atlasRegionOf(spec: Pick<EnvironmentSpec, 'aws'>): string {
  const region = atlasRegionName(spec.aws.region);
  if (!region) {
    throw new Error(
      `aws.region: MongoDB Atlas offers no dedicated clusters in ${spec.aws.region}, so the cluster cannot sit next to the environment; choose another region`,
    );
  }
  return region;
}

/**
 * The cluster BPA gets (createGroupCluster body): a dedicated replica set in
 * the environment's region, termination protection on so nothing but an
 * explicit teardown deletes it, cloud backups on.
 */
export function atlasClusterRequest(
  spec: EnvironmentSpec,
): ClusterDescription20240805 {
  return {
    name: resourceNames(spec).atlasCluster,
    clusterType: 'REPLICASET',
    mongoDBMajorVersion: spec.atlas.mongoDBVersion,
    versionReleaseSystem: 'LTS',
    terminationProtectionEnabled: true,
    backupEnabled: true,
    replicationSpecs: [
      {
        regionConfigs: [
          {
            providerName: 'AWS',
            regionName: atlasRegionOf(spec),
            priority: PRIMARY_REGION_PRIORITY,
            electableSpecs: {
              instanceSize: spec.atlas.tier,
              nodeCount: ELECTABLE_NODES,
              diskSizeGB: spec.atlas.diskSizeGB,
            },
          },
        ],
      },
    ],
    tags: Object.entries(environmentTags(spec)).map(([key, value]) => ({
      key,
      value,
    })),
  };
}

/**
 * What Atlas offers the project, checked before anything is created: the
 * tier on AWS, in the environment's region (listGroupClusterProviderRegions),
 * and the MongoDB version for that tier (getGroupMongoDbVersions).
 */
export async function checkAtlasOffering(
  atlas: AtlasApi,
  spec: EnvironmentSpec,
): Promise<SpecIssue[]> {
  const { projectId, tier, mongoDBVersion } = spec.atlas;
  const region = atlasRegionOf(spec);
  const issues: SpecIssue[] = [];

  const regions = await atlas.listProviderRegions(projectId, tier);
  const sizes = regions.results
    .filter(r => r.provider === 'AWS')
    .flatMap(r => r.instanceSizes ?? []);
  const size = sizes.find(s => s.name === tier);
  if (!size) {
    issues.push({
      path: 'atlas.tier',
      message: `Atlas does not offer ${tier} on AWS to project ${projectId}; it offers ${
        sizes.map(s => s.name).join(', ') || 'no dedicated tier'
      }`,
    });
  } else {
    const offered = (size.availableRegions ?? []).map(r => r.name ?? '');
    if (!offered.includes(region)) {
      issues.push({
        path: 'aws.region',
        message: `Atlas does not offer ${tier} in ${region} (${
          spec.aws.region
        }) to project ${projectId}; regions offering it: ${
          offered.join(', ') || 'none'
        }`,
      });
    }
  }

  const versions = await atlas.listMongoDBVersions(projectId, tier);
  const offeredVersions = [
    ...new Set(versions.results.map(v => v.version ?? '').filter(Boolean)),
  ];
  if (!offeredVersions.includes(mongoDBVersion)) {
    issues.push({
      path: 'atlas.mongoDBVersion',
      message: `Atlas does not offer MongoDB ${mongoDBVersion} for ${tier} on AWS to project ${projectId}; it offers ${
        offeredVersions.join(', ') || 'none'
      }`,
    });
  }
  return issues;
}

/**
 * Creates the environment's cluster, or reuses the one already there (a
 * re-run, or a cluster made by hand): never a second create. A reused
 * cluster gets termination protection too.
 */
export async function ensureAtlasCluster(
  atlas: AtlasApi,
  spec: EnvironmentSpec,
  ctx: AtlasStepContext,
): Promise<ClusterDescription20240805> {
  const groupId = spec.atlas.projectId;
  const name = resourceNames(spec).atlasCluster;
  const existing = await atlas.getCluster(groupId, name);
  if (existing) {
    ctx.logger.info(
      `Reusing Atlas cluster ${name} in project ${groupId} (${
        existing.stateName ?? 'state unknown'
      }, MongoDB ${
        existing.mongoDBVersion ?? existing.mongoDBMajorVersion ?? '?'
      })`,
    );
    if (!existing.terminationProtectionEnabled) {
      await ctx.checkpoint(
        `atlas-cluster-protect-${groupId}-${name}`,
        async () => {
          await atlas.updateCluster(groupId, name, {
            terminationProtectionEnabled: true,
          });
          ctx.logger.info(
            `Turned termination protection on for Atlas cluster ${name}`,
          );
        },
      );
    }
    return existing;
  }

  const request = atlasClusterRequest(spec);
  await ctx.checkpoint(`atlas-cluster-create-${groupId}-${name}`, async () => {
    ctx.logger.info(
      `Creating Atlas cluster ${name} in project ${groupId}: ${spec.atlas.tier}, MongoDB ${spec.atlas.mongoDBVersion}, ${spec.atlas.diskSizeGB} GB, AWS ${spec.aws.region}, termination protection on`,
    );
    try {
      await atlas.createCluster(groupId, request);
    } catch (error) {
      // A retried create whose first attempt reached Atlas.
      if (
        !(
          error instanceof AtlasApiError &&
          error.errorCode === 'DUPLICATE_CLUSTER_NAME'
        )
      ) {
        throw error;
      }
    }
  });
  const created = await atlas.getCluster(groupId, name);
  if (!created) {
    throw new Error(
      `Atlas cluster ${name} was created by this task but no longer exists in project ${groupId}; it was deleted outside the portal. Start a new task to create it again.`,
    );
  }
  return created;
}

/** Waits until the cluster is `IDLE` (created, or done changing). */
export function waitForAtlasCluster(
  atlas: AtlasApi,
  spec: EnvironmentSpec,
  ctx: AtlasStepContext,
  options: WaitOptions,
): Promise<ClusterDescription20240805> {
  const groupId = spec.atlas.projectId;
  const name = resourceNames(spec).atlasCluster;
  return waitUntil(
    {
      subject: `Atlas cluster ${name}`,
      goal: 'IDLE',
      poll: () => atlas.getCluster(groupId, name),
      state: cluster => cluster?.stateName ?? 'missing',
      done: cluster => cluster?.stateName === 'IDLE',
      failure: cluster => {
        if (!cluster) return `it does not exist in project ${groupId}`;
        if (cluster.stateName === 'DELETING') return 'it is being deleted';
        return undefined;
      },
      onTimeout:
        'Atlas keeps working on it; run the step again (it reuses the cluster) to keep waiting.',
    },
    options,
    ctx.logger,
    ctx.clock,
  ) as Promise<ClusterDescription20240805>;
}

/** The cluster's host name from its public SRV string (no credentials in it), once Atlas has assigned one. */
export function atlasConnectionHost(
  cluster: ClusterDescription20240805,
): string | undefined {
  const srv = cluster.connectionStrings?.standardSrv;
  return srv
    ? srv.replace(/^mongodb\+srv:\/\//, '').replace(/\/.*$/, '')
    : undefined;
}

/**
 * Deletes the cluster, for a teardown that explicitly asked for it:
 * termination protection off first, then delete, then wait until Atlas has
 * removed it. Returns false when there was no cluster.
 */
export async function terminateAtlasCluster(
  atlas: AtlasApi,
  spec: EnvironmentSpec,
  ctx: AtlasStepContext,
  options: WaitOptions,
): Promise<boolean> {
  const groupId = spec.atlas.projectId;
  const name = resourceNames(spec).atlasCluster;
  const cluster = await atlas.getCluster(groupId, name);
  const deleteKey = `atlas-cluster-delete-${groupId}-${name}`;
  // Recorded before the DELETE is sent: a backend killed after Atlas took
  // the DELETE but before the deletion's own checkpoint was written leaves
  // this one, so the resumed run still knows the cluster was this task's to delete.
  const intentKey = `atlas-cluster-delete-intent-${groupId}-${name}`;
  if (!cluster) {
    // A run resumed after a restart finds gone the cluster its first run deleted: still terminated by this task.
    if (
      (await ctx.checkpoint(deleteKey, async () => false)) ||
      (await ctx.checkpoint(intentKey, async () => false))
    ) {
      ctx.logger.info(`Atlas cluster ${name} is deleted`);
      return true;
    }
    ctx.logger.info(
      `Atlas cluster ${name} does not exist in project ${groupId}: nothing to terminate`,
    );
    return false;
  }
  if (cluster.stateName !== 'DELETING') {
    if (cluster.terminationProtectionEnabled) {
      await ctx.checkpoint(
        `atlas-cluster-unprotect-${groupId}-${name}`,
        async () => {
          ctx.logger.warn(
            `Turning termination protection off for Atlas cluster ${name}`,
          );
          await atlas.updateCluster(groupId, name, {
            terminationProtectionEnabled: false,
          });
        },
      );
    }
    await ctx.checkpoint(intentKey, async () => true);
    await ctx.checkpoint(deleteKey, async () => {
      ctx.logger.warn(
        `Terminating Atlas cluster ${name} in project ${groupId}: its backup snapshots are retained in Atlas until deleted there`,
      );
      await atlas.deleteCluster(groupId, name);
      return true;
    });
  }
  await waitUntil(
    {
      subject: `Atlas cluster ${name}`,
      goal: 'deleted',
      poll: () => atlas.getCluster(groupId, name),
      state: c => c?.stateName ?? 'deleted',
      done: c => !c,
      onTimeout:
        'Atlas keeps deleting it; run the teardown again to keep waiting.',
    },
    options,
    ctx.logger,
    ctx.clock,
  );
  return true;
}
