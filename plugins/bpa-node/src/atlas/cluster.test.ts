import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { AtlasApi } from './client';
import {
  atlasClusterRequest,
  atlasConnectionHost,
  checkAtlasOffering,
} from './cluster';

const reference = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);

function offering(
  tiers: Record<string, string[]>,
  versions: string[],
): AtlasApi {
  return {
    listProviderRegions: async () => ({
      results: [
        {
          provider: 'AWS',
          instanceSizes: Object.entries(tiers).map(([name, regions]) => ({
            name,
            availableRegions: regions.map(r => ({ name: r })),
          })),
        },
      ],
    }),
    listMongoDBVersions: async () => ({
      results: versions.map(version => ({ cloudProvider: 'AWS', version })),
    }),
  } as Partial<AtlasApi> as AtlasApi;
}

describe('the Atlas cluster of an environment', () => {
  it('is a protected, backed-up M30 replica set of three nodes in the environment region', () => {
    expect(atlasClusterRequest(reference)).toEqual({
      name: 'bpa-demo-mongo',
      clusterType: 'REPLICASET',
      mongoDBMajorVersion: '8.0',
      versionReleaseSystem: 'LTS',
      terminationProtectionEnabled: true,
      backupEnabled: true,
      replicationSpecs: [
        {
          regionConfigs: [
            {
              providerName: 'AWS',
              regionName: 'US_EAST_1',
              priority: 7,
              electableSpecs: {
                instanceSize: 'M30',
                nodeCount: 3,
                diskSizeGB: 40,
              },
            },
          ],
        },
      ],
      tags: [
        { key: 'bpa:environment', value: 'bpa-demo' },
        { key: 'bpa:owner', value: 'group:default/platform-team' },
      ],
    });
  });

  it('follows the request: tier, version, disk and region', () => {
    const spec = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      aws: { accountId: '123456789012', region: 'eu-west-1' },
      atlas: {
        projectId: reference.atlas.projectId,
        tier: 'M40',
        mongoDBVersion: '7.0',
        diskSizeGB: 120,
      },
    });
    const request = atlasClusterRequest(spec);
    expect(request.mongoDBMajorVersion).toBe('7.0');
    expect(request.replicationSpecs?.[0].regionConfigs[0]).toMatchObject({
      regionName: 'EU_WEST_1',
      electableSpecs: { instanceSize: 'M40', diskSizeGB: 120 },
    });
  });

  it('is refused in a region where Atlas has no clusters', () => {
    const spec = {
      ...reference,
      aws: { ...reference.aws, region: 'me-west-1' },
    };
    expect(() => atlasClusterRequest(spec)).toThrow(
      'aws.region: MongoDB Atlas offers no dedicated clusters in me-west-1',
    );
  });

  it('gives its host name without scheme or credentials', () => {
    expect(
      atlasConnectionHost({
        connectionStrings: {
          standardSrv: 'mongodb+srv://bpa-demo-mongo.ab1cd.mongodb.net',
        },
      }),
    ).toBe('bpa-demo-mongo.ab1cd.mongodb.net');
    expect(atlasConnectionHost({ stateName: 'CREATING' })).toBeUndefined();
  });
});

describe('checkAtlasOffering', () => {
  it('accepts what the project is offered', async () => {
    await expect(
      checkAtlasOffering(
        offering({ M30: ['US_EAST_1', 'EU_WEST_1'] }, ['7.0', '8.0']),
        reference,
      ),
    ).resolves.toEqual([]);
  });

  it('names the tier, region and version Atlas does not offer, with what it does', async () => {
    const issues = await checkAtlasOffering(
      offering({ M10: ['US_EAST_1'], M40: ['US_EAST_1'] }, ['7.0']),
      reference,
    );
    expect(issues).toEqual([
      {
        path: 'atlas.tier',
        message: expect.stringContaining(
          'Atlas does not offer M30 on AWS to project 5f1a2b3c4d5e6f7a8b9c0d1e; it offers M10, M40',
        ),
      },
      {
        path: 'atlas.mongoDBVersion',
        message: expect.stringContaining('MongoDB 8.0 for M30 on AWS'),
      },
    ]);
  });

  it('names the region when the tier is offered elsewhere only', async () => {
    const issues = await checkAtlasOffering(
      offering({ M30: ['EU_WEST_1'] }, ['8.0']),
      reference,
    );
    expect(issues).toEqual([
      {
        path: 'aws.region',
        message: expect.stringContaining(
          'Atlas does not offer M30 in US_EAST_1 (us-east-1)',
        ),
      },
    ]);
  });
});
