import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  DescribeClusterCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eks';
import { Entity } from '@backstage/catalog-model';
import {
  BPA_REQUEST_ANNOTATION,
  EnvironmentSpec,
  EnvironmentStatus,
  REFERENCE_SPEC_INPUT,
  REFERENCE_TOPOLOGY,
  parseEnvironmentSpec,
  supportedVersionsIncluding,
} from '@internal/backstage-plugin-bpa-common';
import {
  AtlasApiError,
  KubernetesConnector,
  StackDeployer,
} from '@internal/backstage-plugin-bpa-node';
import {
  APPLIED_REFERENCE_SPEC_INPUT,
  SimulatedAws,
  VirtualClock,
  recordingLogger,
  simulateAws,
  stackRequests,
} from '@internal/backstage-plugin-bpa-test-utils';
import {
  OUTSIDER,
  environmentSystem,
  simulatedAwsClients,
  startStatusBackend,
} from './__testUtils__/backend';
import { StatusSources } from './service/sources';

/** An applied environment's request: its bastion AMI pinned by the plan step. */
const spec = parseEnvironmentSpec(APPLIED_REFERENCE_SPEC_INPUT);
const STATUS_PATH = '/environments/default/bpa-demo/status';
const CLUSTER_NOT_ACTIVE =
  'EKS cluster bpa-demo-eks in us-east-1 is CREATING, not ACTIVE: wait for the cluster stack to finish';

describe('GET /api/bpa/environments/:namespace/:name/status', () => {
  let clock: VirtualClock;
  let aws: SimulatedAws;
  let atlas: { getCluster: jest.Mock };
  let kubernetes: KubernetesConnector & { connect: jest.Mock };

  beforeEach(() => {
    clock = new VirtualClock();
    aws = simulateAws({
      clock,
      accountId: spec.aws.accountId,
      region: spec.aws.region,
    });
    aws.mocks.eks.on(DescribeClusterCommand).resolves({
      cluster: { name: 'bpa-demo-eks', status: 'ACTIVE', version: '1.35' },
    });
    atlas = {
      getCluster: jest.fn(async () => ({
        stateName: 'IDLE',
        mongoDBVersion: '8.0.4',
      })),
    };
    kubernetes = {
      connect: jest.fn(async () => {
        throw new Error(CLUSTER_NOT_ACTIVE);
      }),
    };
  });
  afterEach(() => aws.restore());

  const sources = (
    overrides: Partial<StatusSources> = {},
  ): (() => StatusSources) => {
    return () => ({
      aws: simulatedAwsClients(spec.aws.accountId),
      atlas,
      kubernetes,
      ...overrides,
    });
  };

  /** Cloud and cluster calls of every source so far. */
  const sourceCalls = () =>
    aws.callCount() +
    atlas.getCluster.mock.calls.length +
    kubernetes.connect.mock.calls.length;

  async function statusOf(
    backend: Awaited<ReturnType<typeof startStatusBackend>>,
    path = STATUS_PATH,
  ): Promise<EnvironmentStatus> {
    const response = await backend.get(path);
    expect(response.status).toBe(200);
    return response.json();
  }

  /** Deploys the network and registry, fails the data stack, leaves the cluster creating and the edge never created. */
  async function deploySomeStacks() {
    const deployer = new StackDeployer({
      cloudFormation: new CloudFormationClient({ region: spec.aws.region }),
      logger: recordingLogger(),
      clock,
    });
    const requests = stackRequests(spec);
    await deployer.deploy(requests.network);
    await deployer.deploy(requests.registry);
    aws.cloudFormation.failNextOperation(
      'bpa-demo-data',
      'Database',
      'DB instance class db.m5d.2xlarge is not available in us-east-1a',
    );
    await expect(deployer.deploy(requests.data)).rejects.toThrow();
    await deployer.start(requests.cluster);
    aws.resetHistory();
  }

  it('answers an environment that was never applied without looking at any cloud', async () => {
    const lab = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      name: 'bpa-lab',
    });
    const backend = await startStatusBackend({
      entities: [environmentSystem(spec, 'planned'), environmentSystem(lab)],
      sources: sources(),
    });

    const planned = await statusOf(backend);
    const unknown = await statusOf(
      backend,
      '/environments/default/bpa-lab/status',
    );

    expect(planned).toEqual({
      entityRef: 'system:default/bpa-demo',
      environment: 'bpa-demo',
      state: 'planned',
      live: false,
      checkedAt: expect.any(String),
      topology: expect.objectContaining({ region: 'us-east-1' }),
    });
    // Without a recorded request there is no plan to draw either.
    expect(unknown).toEqual({
      entityRef: 'system:default/bpa-lab',
      environment: 'bpa-lab',
      state: 'unknown',
      live: false,
      checkedAt: expect.any(String),
    });
    expect(Number.isNaN(Date.parse(planned.checkedAt))).toBe(false);
    expect(sourceCalls()).toBe(0);
  });

  it("gives the plan's layout of a planned environment: zones and subnets, node roles, listeners, database, registry", async () => {
    const otherZones = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      name: 'bpa-other',
      aws: {
        ...REFERENCE_SPEC_INPUT.aws,
        availabilityZones: ['us-east-1d', 'us-east-1e', 'us-east-1f'],
      },
      network: { ...REFERENCE_SPEC_INPUT.network, bastion: false },
      rds: { multiAz: true },
    });
    const backend = await startStatusBackend({
      entities: [
        environmentSystem(spec, 'planned'),
        environmentSystem(otherZones, 'planned'),
      ],
      sources: sources(),
    });

    const { topology } = await statusOf(backend);
    const other = (
      await statusOf(backend, '/environments/default/bpa-other/status')
    ).topology;

    expect(topology).toEqual(REFERENCE_TOPOLOGY);
    expect(other?.nodes.map(n => n.zone)).toEqual([
      'us-east-1d',
      'us-east-1e',
      'us-east-1f',
      'us-east-1d',
    ]);
    expect(other?.bastionZone).toBeUndefined();
    expect(other?.database.multiAz).toBe(true);
    expect(sourceCalls()).toBe(0);
  });

  it('answers 404 for a System that does not exist, one the catalog keeps from the caller, and one that is no BPA environment', async () => {
    const plain: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'System',
      metadata: { name: 'billing' },
      spec: { owner: 'group:default/finance' },
    };
    const backend = await startStatusBackend({
      entities: [environmentSystem(spec, 'applied'), plain],
      sources: sources(),
    });

    const missing = await backend.get('/environments/default/bpa-nope/status');
    const hidden = await backend.get(STATUS_PATH, OUTSIDER);
    const other = await backend.get('/environments/default/billing/status');

    for (const response of [missing, hidden, other]) {
      expect(response.status).toBe(404);
      expect((await response.json()).error.name).toBe('NotFoundError');
    }
    expect(backend.catalog.getEntityByRef).toHaveBeenCalledWith(
      'system:default/bpa-demo',
      expect.objectContaining({
        credentials: expect.objectContaining({
          principal: expect.objectContaining({ userEntityRef: OUTSIDER }),
        }),
      }),
    );
    expect(sourceCalls()).toBe(0);
  });

  it('answers 400 for a name that cannot be a catalog entity, and serves /health', async () => {
    const backend = await startStatusBackend({
      entities: [],
      sources: sources(),
    });

    const invalid = await backend.get(
      '/environments/default/not%20a%20name/status',
    );
    const health = await backend.get('/health');

    expect(invalid.status).toBe(400);
    expect((await invalid.json()).error).toEqual({
      name: 'InputError',
      message: expect.stringContaining('not a name'),
    });
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it.each([
    '/environments/default/%ff/status',
    '/environments/%ff/bpa-demo/status',
    '/environments/default/%ff/history',
  ])(
    'answers 400 for a path that is not percent-encoded UTF-8 (%s), with no stack trace',
    async path => {
      const backend = await startStatusBackend({
        entities: [environmentSystem(spec, 'applied')],
        sources: sources(),
      });
      const response = await backend.get(path);
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.error).toMatchObject({
        name: 'URIError',
        message: expect.stringContaining('%ff'),
      });
      expect(body.error.stack).toBeUndefined();
      expect(sourceCalls()).toBe(0);
    },
  );

  it('reads each stack, the EKS cluster and the Atlas cluster of an applied environment', async () => {
    await deploySomeStacks();
    const backend = await startStatusBackend({
      entities: [environmentSystem(spec, 'applied')],
      sources: sources(),
    });

    const status = await statusOf(backend);

    expect(status).toMatchObject({
      entityRef: 'system:default/bpa-demo',
      environment: 'bpa-demo',
      state: 'applied',
      live: true,
    });
    expect(status.stacks).toEqual({
      data: [
        expect.objectContaining({
          kind: 'network',
          stackName: 'bpa-demo-network',
          status: 'CREATE_COMPLETE',
          level: 'ok',
        }),
        expect.objectContaining({
          kind: 'cluster',
          stackName: 'bpa-demo-cluster',
          status: 'CREATE_IN_PROGRESS',
          level: 'pending',
        }),
        expect.objectContaining({
          kind: 'data',
          stackName: 'bpa-demo-data',
          status: 'ROLLBACK_COMPLETE',
          level: 'error',
        }),
        expect.objectContaining({
          kind: 'registry',
          status: 'CREATE_COMPLETE',
          level: 'ok',
        }),
        {
          kind: 'edge',
          stackName: 'bpa-demo-edge',
          status: 'NOT_FOUND',
          level: 'absent',
        },
      ],
    });
    expect(status.cluster).toEqual({
      data: {
        name: 'bpa-demo-eks',
        status: 'ACTIVE',
        level: 'ok',
        kubernetesVersion: '1.35',
      },
    });
    expect(aws.inputsOf('DescribeCluster')).toEqual([{ name: 'bpa-demo-eks' }]);
    expect(status.atlas).toEqual({
      data: {
        name: 'bpa-demo-mongo',
        status: 'IDLE',
        level: 'ok',
        mongoDBVersion: '8.0.4',
      },
    });
    expect(atlas.getCluster).toHaveBeenCalledWith(
      spec.atlas.projectId,
      'bpa-demo-mongo',
    );
    // The cluster's API server could not be reached: release and workloads say why.
    expect(kubernetes.connect).toHaveBeenCalledTimes(1);
    expect(kubernetes.connect).toHaveBeenCalledWith({
      clusterName: 'bpa-demo-eks',
      region: 'us-east-1',
      accountId: '123456789012',
    });
    for (const section of [
      'release',
      'workloads',
      'nodes',
      'pods',
      'events',
    ] as const) {
      expect(status[section]).toEqual({ error: CLUSTER_NOT_ACTIVE });
    }
    // The data stack rolled back: no instance; no endpoint to Atlas was made.
    expect(status.database).toEqual({
      data: {
        identifier: 'bpa-demo-postgres',
        status: 'NOT_FOUND',
        level: 'absent',
      },
    });
    expect(status.privateEndpoint).toEqual({
      data: { status: 'NOT_FOUND', level: 'absent' },
    });
  });

  it('reads the database with its zones and the Atlas private endpoint of an applied environment', async () => {
    const multiAz = parseEnvironmentSpec({
      ...APPLIED_REFERENCE_SPEC_INPUT,
      rds: { multiAz: true },
    });
    const deployer = new StackDeployer({
      cloudFormation: new CloudFormationClient({ region: spec.aws.region }),
      logger: recordingLogger(),
      clock,
    });
    const requests = stackRequests(multiAz);
    await deployer.deploy(requests.network);
    await deployer.deploy(requests.data);
    aws.vpcEndpoints.add({
      VpcEndpointId: 'vpce-0old',
      State: 'Deleted',
      Tags: [
        { Key: 'bpa:environment', Value: 'bpa-demo' },
        { Key: 'Name', Value: 'bpa-demo-atlas' },
      ],
    });
    aws.vpcEndpoints.add({
      VpcEndpointId: 'vpce-0abc',
      State: 'PendingAcceptance',
      Tags: [
        { Key: 'bpa:environment', Value: 'bpa-demo' },
        { Key: 'Name', Value: 'bpa-demo-atlas' },
      ],
    });
    aws.vpcEndpoints.add({
      VpcEndpointId: 'vpce-0other',
      State: 'Available',
      Tags: [
        { Key: 'bpa:environment', Value: 'bpa-staging' },
        { Key: 'Name', Value: 'bpa-staging-atlas' },
      ],
    });
    const backend = await startStatusBackend({
      entities: [environmentSystem(multiAz, 'applied')],
      sources: sources(),
    });

    const status = await statusOf(backend);

    expect(status.database).toEqual({
      data: {
        identifier: 'bpa-demo-postgres',
        status: 'available',
        level: 'ok',
        zone: 'us-east-1a',
        standbyZone: 'us-east-1b',
      },
    });
    expect(status.privateEndpoint).toEqual({
      data: { id: 'vpce-0abc', status: 'PendingAcceptance', level: 'pending' },
    });
    expect(status.topology?.database.multiAz).toBe(true);
  });

  it('shows what does not exist as absent', async () => {
    aws.mocks.eks.on(DescribeClusterCommand).rejects(
      new ResourceNotFoundException({
        message: 'No cluster found for name: bpa-demo-eks.',
        $metadata: {},
      }),
    );
    atlas.getCluster.mockResolvedValue(undefined);
    const backend = await startStatusBackend({
      entities: [environmentSystem(spec, 'applied')],
      sources: sources(),
    });

    const status = await statusOf(backend);

    expect(status.stacks?.data?.map(s => [s.status, s.level])).toEqual(
      Array(5).fill(['NOT_FOUND', 'absent']),
    );
    expect(status.cluster?.data).toEqual({
      name: 'bpa-demo-eks',
      status: 'NOT_FOUND',
      level: 'absent',
    });
    expect(status.atlas?.data).toEqual({
      name: 'bpa-demo-mongo',
      status: 'NOT_FOUND',
      level: 'absent',
    });
  });

  it('reports a failing source in its own section and logs it, while the others answer', async () => {
    atlas.getCluster.mockRejectedValue(
      new AtlasApiError({
        operationId: 'getGroupCluster',
        status: 401,
        errorCode: 'NOT_ORG_GROUP_CREATOR',
        detail: 'The API key may not read project 5f1a2b3c4d5e6f7a8b9c0d1e',
      }),
    );
    const backend = await startStatusBackend({
      entities: [environmentSystem(spec, 'applied')],
      sources: sources(),
    });

    const status = await statusOf(backend);

    expect(status.atlas).toEqual({
      error: expect.stringContaining('NOT_ORG_GROUP_CREATOR'),
    });
    expect(status.stacks?.data).toHaveLength(5);
    expect(status.cluster?.data?.level).toBe('ok');
    const atlasLines = backend.logs.filter(line => line.includes('Atlas'));
    expect(atlasLines).toEqual([
      expect.stringMatching(/^warn .*bpa-demo.*NOT_ORG_GROUP_CREATOR/),
    ]);
  });

  it('says when Atlas credentials are not configured', async () => {
    const backend = await startStatusBackend({
      entities: [environmentSystem(spec, 'applied')],
      sources: sources({ atlas: undefined }),
    });

    const status = await statusOf(backend);

    expect(status.atlas).toEqual({
      error: expect.stringContaining('Atlas credentials are not configured'),
    });
    expect(status.cluster?.data?.level).toBe('ok');
  });

  it('reads an environment whose versions are no longer offered to new requests', async () => {
    const input = {
      ...REFERENCE_SPEC_INPUT,
      cluster: { kubernetesVersion: '1.27' },
    };
    const old: EnvironmentSpec = parseEnvironmentSpec(input, {
      supportedVersions: supportedVersionsIncluding(input),
    });
    const backend = await startStatusBackend({
      entities: [environmentSystem(old, 'applied')],
      sources: sources(),
    });

    const status = await statusOf(backend);

    expect(status.live).toBe(true);
    expect(status.cluster?.data?.name).toBe('bpa-demo-eks');
  });

  it('explains an applied System whose recorded request is missing or unreadable, without calling anything', async () => {
    const applied = environmentSystem(spec, 'applied');
    const withRequest = (request: string | undefined): Entity => {
      const annotations = { ...applied.metadata.annotations };
      if (request === undefined) delete annotations[BPA_REQUEST_ANNOTATION];
      else annotations[BPA_REQUEST_ANNOTATION] = request;
      return {
        ...applied,
        metadata: {
          ...applied.metadata,
          name: `bpa-${request === undefined ? 'none' : 'bad'}`,
          annotations,
        },
      };
    };
    const backend = await startStatusBackend({
      entities: [withRequest(undefined), withRequest('{"name": "bpa-demo"')],
      sources: sources(),
    });

    for (const name of ['bpa-none', 'bpa-bad']) {
      const status = await statusOf(
        backend,
        `/environments/default/${name}/status`,
      );
      expect(status).toMatchObject({ state: 'applied', live: false });
      for (const section of [
        status.stacks,
        status.cluster,
        status.atlas,
        status.release,
        status.workloads,
        status.database,
        status.privateEndpoint,
        status.nodes,
        status.pods,
        status.events,
      ]) {
        expect(section).toEqual({
          error: expect.stringContaining(BPA_REQUEST_ANNOTATION),
        });
      }
    }
    expect(sourceCalls()).toBe(0);
  });

  it('keeps an answer for bpa.status.cacheSeconds, and still asks the catalog on every request', async () => {
    const backend = await startStatusBackend({
      entities: [environmentSystem(spec, 'applied')],
      sources: sources(),
      config: { bpa: { status: { cacheSeconds: 60 } } },
    });

    const first = await statusOf(backend);
    const callsAfterFirst = sourceCalls();
    const second = await statusOf(backend);
    const hidden = await backend.get(STATUS_PATH, OUTSIDER);

    expect(callsAfterFirst).toBeGreaterThan(0);
    expect(sourceCalls()).toBe(callsAfterFirst);
    expect(aws.inputsOf('DescribeStacks')).toHaveLength(5);
    expect(second).toEqual(first);
    expect(hidden.status).toBe(404);
    expect(backend.catalog.getEntityByRef).toHaveBeenCalledTimes(3);
  });

  it('reads the sources on every request when cacheSeconds is 0', async () => {
    const backend = await startStatusBackend({
      entities: [environmentSystem(spec, 'applied')],
      sources: sources(),
      config: { bpa: { status: { cacheSeconds: 0 } } },
    });

    await statusOf(backend);
    await statusOf(backend);

    expect(atlas.getCluster).toHaveBeenCalledTimes(2);
    expect(aws.inputsOf('DescribeStacks')).toHaveLength(10);
  });

  it('shares one reading between requests that arrive while it is under way', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>(resolve => {
      release = resolve;
    });
    atlas.getCluster.mockImplementation(async () => {
      await gate;
      return { stateName: 'CREATING' };
    });
    const backend = await startStatusBackend({
      entities: [environmentSystem(spec, 'applied')],
      sources: sources(),
      config: { bpa: { status: { cacheSeconds: 0 } } },
    });

    const answers = Promise.all([statusOf(backend), statusOf(backend)]);
    while (atlas.getCluster.mock.calls.length === 0) {
      await new Promise(resolve => setTimeout(resolve, 10));
    }
    while (backend.catalog.getEntityByRef.mock.calls.length < 2) {
      await new Promise(resolve => setTimeout(resolve, 10));
    }
    await new Promise(resolve => setTimeout(resolve, 50));
    release();
    const [a, b] = await answers;

    expect(atlas.getCluster).toHaveBeenCalledTimes(1);
    expect(a.atlas?.data).toMatchObject({
      status: 'CREATING',
      level: 'pending',
    });
    expect(b).toEqual(a);
  });

  it('reports a source that does not answer within bpa.status.timeoutSeconds', async () => {
    atlas.getCluster.mockImplementation(() => new Promise(() => {}));
    const backend = await startStatusBackend({
      entities: [environmentSystem(spec, 'applied')],
      sources: sources(),
      config: { bpa: { status: { timeoutSeconds: 0.2 } } },
    });

    const status = await statusOf(backend);

    expect(status.atlas).toEqual({ error: 'no answer within 0.2 s' });
    expect(status.cluster?.data?.level).toBe('ok');
  });
});
