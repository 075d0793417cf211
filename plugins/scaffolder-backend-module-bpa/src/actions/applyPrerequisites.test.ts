import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  AtlasApiError,
  AtlasClient,
  createAwsClientFactory,
} from '@internal/backstage-plugin-bpa-node';
import {
  AtlasTokenServer,
  SimulatedAwsOptions,
  VirtualClock,
  capturingLogger,
  simulateAws,
  startAtlasTokenServer,
  testHelmBinary,
  testSkopeoBinary,
} from '@internal/backstage-plugin-bpa-test-utils';
import { CERTIFICATE_ARN, REFERENCE_SPEC } from '../__testUtils__/aws';
import { FakeAtlas } from '../__testUtils__/atlas';
import { bpaActions } from '../module';
import { ApplyPrerequisites } from './applyPrerequisites';
import { createPlanEnvironmentAction } from './planEnvironment';

jest.setTimeout(120_000);

const ACCOUNT = '123456789012';
const PROJECT = (REFERENCE_SPEC.atlas as { projectId: string }).projectId;
const CLIENT_SECRET = 'mdb_sa_sk_never-in-a-message';

/**
 * "Plan and apply" checks, in the plan step, everything the apply needs
 * besides the request, and reports every missing one at once, before
 * anything is written (so before the environment is registered). AWS is
 * the simulated account; Atlas the in-memory fake, or the real client with
 * a token endpoint that refuses its credentials (the requests the check
 * makes are the contract test's, against Prism); helm the real binary.
 */
describe('bpa:environment:plan in apply mode: the prerequisites of the apply', () => {
  let refusingTokens: AtlasTokenServer;
  let workspacePath: string;
  let aws: ReturnType<typeof simulateAws> | undefined;

  beforeAll(async () => {
    refusingTokens = await startAtlasTokenServer({ refuse: true });
  });
  afterAll(() => refusingTokens?.close());
  beforeEach(async () => {
    workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-prereq-'));
  });
  afterEach(async () => {
    aws?.restore();
    aws = undefined;
    await fs.rm(workspacePath, { recursive: true, force: true });
  });

  /** The simulated account, and clients with credentials for it (or none at all). */
  const awsAccount = (
    options: Partial<SimulatedAwsOptions> & { unconfigured?: boolean } = {},
  ) => {
    aws = simulateAws({
      clock: new VirtualClock(),
      accountId: ACCOUNT,
      region: 'us-east-1',
      ...options,
    });
    return createAwsClientFactory({
      credentialsManager: {
        getCredentialProvider: async () => {
          if (options.unconfigured) {
            throw new Error(
              `There is no AWS account configured for ${ACCOUNT}`,
            );
          }
          return {
            accountId: ACCOUNT,
            sdkCredentialProvider: async () => ({
              accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
              secretAccessKey: 'not-a-real-key',
            }),
          };
        },
      },
    });
  };
  /** The real Atlas client, with service account credentials the token endpoint refuses. */
  const refusedAtlasClient = () =>
    new AtlasClient({
      baseUrl: 'http://127.0.0.1:9',
      credentials: {
        type: 'serviceAccount',
        clientId: 'mdb_sa_id_preflight',
        clientSecret: CLIENT_SECRET,
        tokenUrl: refusingTokens.url,
      },
      retry: { maxRetries: 0 },
    });
  const ready = (): ApplyPrerequisites => ({
    awsClients: awsAccount(),
    atlas: new FakeAtlas(),
    helmBinary: testHelmBinary(),
    skopeoBinary: testSkopeoBinary(),
  });

  async function plan(
    prerequisites: ApplyPrerequisites,
    input: Record<string, unknown> = {},
  ) {
    const { logger, lines } = capturingLogger({ fields: false });
    const ctx = createMockActionContext({
      workspacePath,
      logger,
      input: {
        spec: REFERENCE_SPEC,
        mode: 'apply',
        certificateArn: CERTIFICATE_ARN,
        ...input,
      } as any,
    });
    const error = await createPlanEnvironmentAction({
      applyPrerequisites: prerequisites,
    })
      .handler(ctx as any)
      .then(
        () => undefined,
        (e: Error) => e,
      );
    const written = await fs.readdir(workspacePath);
    return {
      error,
      lines,
      written,
      outputs: (ctx.output as jest.Mock).mock.calls,
    };
  }

  /** The listed items of a refusal: what is missing, each with its fix. */
  const missing = (error: Error | undefined) =>
    (error?.message ?? '')
      .split('\n')
      .filter(l => l.startsWith('- '))
      .map(l => l.slice(2));

  it('plans and says what it checked when everything the apply needs is there', async () => {
    const { error, lines, written } = await plan(ready());

    expect(error).toBeUndefined();
    expect(written).toEqual(['bpa-plan']);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^info AWS account ${ACCOUNT} as arn:aws:iam::${ACCOUNT}:role/bpa-portal: all \\d+ actions the apply needs are allowed$`,
        ),
      ),
    );
    expect(lines).toContain(
      `info MongoDB Atlas project ${PROJECT}: M30 with MongoDB 8.0 offered in us-east-1`,
    );
    expect(lines).toContainEqual(expect.stringMatching(/^info Helm v3\.\d+/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^info skopeo 1\.\d+\.\d+ at \//),
    );
  });

  it.each([
    [
      'no AWS account configured',
      { unconfigured: true },
      `AWS credentials for account ${ACCOUNT}: No AWS credentials for account ${ACCOUNT}: There is no AWS account configured for ${ACCOUNT}. Configure the account under aws.accounts in app-config.yaml`,
    ],
    [
      'credentials that do not work',
      { noCredentials: true },
      `AWS credentials for account ${ACCOUNT}: No usable AWS credentials for account ${ACCOUNT}: STS GetCallerIdentity failed (CredentialsProviderError: Could not load credentials from any providers). Configure the account under aws.accounts in app-config.yaml`,
    ],
    [
      'credentials of another account',
      { callerAccountId: '999999999999' },
      `AWS credentials for account ${ACCOUNT}: The AWS credentials are for account 999999999999 (arn:aws:sts::999999999999:assumed-role/bpa-portal/backstage-session), but the environment is in account ${ACCOUNT} (spec.aws.accountId). Add account ${ACCOUNT} under aws.accounts in app-config.yaml`,
    ],
  ])(
    'refuses %s, alone, before writing anything',
    async (_what, options, item) => {
      const { error, written, outputs } = await plan({
        ...ready(),
        awsClients: awsAccount(options),
      });

      expect(missing(error)).toEqual([expect.stringContaining(item)]);
      expect(error!.message).toMatch(
        /^"Plan and apply" cannot start: 1 of its prerequisites is missing\. Nothing was registered or created; fix it and run the template again\.\n/,
      );
      expect(written).toEqual([]);
      expect(outputs).toEqual([]);
    },
  );

  it("refuses permissions the IAM simulation denies (the stacks' and the image mirror's), naming each action and the policy to grant", async () => {
    const { error } = await plan({
      ...ready(),
      awsClients: awsAccount({
        deniedActions: [
          'eks:CreateCluster',
          'rds:CreateDBInstance',
          'ecr:PutImage',
        ],
      }),
    });

    expect(missing(error)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^AWS permissions: arn:aws:iam::${ACCOUNT}:role/bpa-portal may not do 3 of the \\d+ actions the apply needs: ecr:PutImage, eks:CreateCluster, rds:CreateDBInstance\\. Nothing was changed\\. Grant them to the portal's principal \\(docs/iam/portal-policy\\.json is the policy it needs\\)\\.$`,
        ),
      ),
    ]);
  });

  it('goes on, with a warning, when the simulation itself is denied', async () => {
    const { error, lines } = await plan({
      ...ready(),
      awsClients: awsAccount({ simulationDenied: true }),
    });

    expect(error).toBeUndefined();
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^warn Could not check the apply permissions: iam:SimulatePrincipalPolicy is denied/,
      ),
    );
  });

  it('refuses without Atlas credentials, naming the keys to set', async () => {
    const { error } = await plan({ ...ready(), atlas: undefined });

    expect(missing(error)).toEqual([
      'MongoDB Atlas credentials: not configured. Set bpa.atlas.serviceAccount.clientId and clientSecret (or bpa.atlas.apiKey.publicKey and privateKey) in app-config.',
    ]);
  });

  it('refuses Atlas credentials Atlas does not accept, without quoting the secret', async () => {
    const { error } = await plan({
      ...ready(),
      atlas: refusedAtlasClient(),
    });

    expect(missing(error)).toEqual([
      `MongoDB Atlas project ${PROJECT}: Atlas service account mdb_sa_id_preflight: the token request to ${refusingTokens.url} failed with HTTP 401: Invalid client credentials. Check bpa.atlas.serviceAccount.clientId and clientSecret (or bpa.atlas.apiKey.publicKey and privateKey) in app-config.`,
    ]);
    expect(error!.message).not.toContain(CLIENT_SECRET);
  });

  it.each([
    [
      403,
      'ORG_REQUIRES_ACCESS_LIST',
      `the credentials may not use project ${PROJECT}. Give the service account (or API key) the Project Owner role on it, and add the backend's egress address to its API access list if the organization requires one.`,
    ],
    [
      404,
      'GROUP_NOT_FOUND',
      `project ${PROJECT} does not exist or is not visible to these credentials. Check atlas.projectId (Project Settings in Atlas) and the credentials' organization.`,
    ],
  ])(
    'refuses a project Atlas answers %s for, saying what to do',
    async (status, errorCode, fix) => {
      const atlas = new FakeAtlas();
      atlas.listProviderRegions = async () => {
        throw new AtlasApiError({
          operationId: 'listGroupClusterProviderRegions',
          status,
          errorCode,
        });
      };

      const { error } = await plan({ ...ready(), atlas });

      expect(missing(error)).toEqual([
        `MongoDB Atlas project ${PROJECT}: Atlas answered HTTP ${status} ${errorCode}: ${fix}`,
      ]);
    },
  );

  it('refuses a tier Atlas does not offer the project', async () => {
    const atlas = new FakeAtlas();
    atlas.offering.tiers = { M40: ['US_EAST_1'] };

    const { error } = await plan({ ...ready(), atlas });

    expect(missing(error)).toEqual([
      `MongoDB Atlas (atlas.tier): Atlas does not offer M30 on AWS to project ${PROJECT}; it offers no dedicated tier`,
    ]);
  });

  it('refuses a helm that is not there, naming bpa.helm.binary', async () => {
    const { error } = await plan({
      ...ready(),
      helmBinary: path.join(workspacePath, 'no-such-helm'),
    });

    expect(missing(error)).toEqual([
      expect.stringMatching(
        /^Helm: Helm at .*no-such-helm \(bpa\.helm\.binary\) does not run: /,
      ),
    ]);
  });

  it('refuses a skopeo that is not there, naming bpa.skopeo.binary', async () => {
    const { error } = await plan({
      ...ready(),
      skopeoBinary: path.join(workspacePath, 'no-such-skopeo'),
    });

    expect(missing(error)).toEqual([
      expect.stringMatching(
        /^skopeo: skopeo at .*no-such-skopeo \(bpa\.skopeo\.binary\) does not run/,
      ),
    ]);
  });

  it('refuses a missing load balancer certificate with the rest', async () => {
    const { error } = await plan(ready(), { certificateArn: undefined });

    expect(missing(error)).toEqual([
      `certificateArn: "plan and apply" needs the ACM certificate of the load balancer's HTTPS listeners (account ${ACCOUNT}, region us-east-1); give its ARN on the Ingress page`,
    ]);
  });

  it('refuses a certificate ACM does not have in the account (ACM DescribeCertificate)', async () => {
    const unknown = CERTIFICATE_ARN.replace(
      /certificate\/.*/,
      'certificate/11111111-2222-3333-4444-555555555555',
    );

    const { error } = await plan(ready(), { certificateArn: unknown });

    expect(missing(error)).toEqual([
      `certificateArn: ACM has no certificate ${unknown}; request or import it in the environment's account and region first`,
    ]);
  });

  it('lists everything missing at once: certificate, AWS credentials, Atlas credentials, helm and skopeo', async () => {
    const { error, written, outputs } = await plan(
      {
        awsClients: awsAccount({ noCredentials: true }),
        atlas: undefined,
        helmBinary: '/nonexistent/helm',
        skopeoBinary: '/nonexistent/skopeo',
      },
      { certificateArn: undefined },
    );

    expect(error!.message).toMatch(
      /^"Plan and apply" cannot start: 5 of its prerequisites are missing\. Nothing was registered or created; fix them and run the template again\.\n/,
    );
    expect(missing(error).map(m => m.split(':')[0])).toEqual([
      'certificateArn',
      `AWS credentials for account ${ACCOUNT}`,
      'MongoDB Atlas credentials',
      'Helm',
      'skopeo',
    ]);
    expect(written).toEqual([]);
    expect(outputs).toEqual([]);
  });

  it("is how the module's plan step checks the portal's app-config", async () => {
    awsAccount();
    const action = bpaActions({
      config: new ConfigReader({
        bpa: { helm: { binary: '/nonexistent/helm' } },
      }),
      catalog: catalogServiceMock(),
      permissions: mockServices.permissions(),
      auditor: mockServices.auditor.mock(),
      auth: mockServices.auth(),
    }).find(a => a.id === 'bpa:environment:plan')!;
    const ctx = createMockActionContext({
      workspacePath,
      input: {
        spec: REFERENCE_SPEC,
        mode: 'apply',
        certificateArn: CERTIFICATE_ARN,
      },
    });

    const error = await action.handler(ctx as any).catch(e => e);

    expect(missing(error).map(m => m.split(':')[0])).toEqual([
      'MongoDB Atlas credentials',
      'Helm',
    ]);
  });

  it('asks no cloud anything and runs no helm for "plan only"', async () => {
    const helmRuns = path.join(workspacePath, '..', `helm-ran-${process.pid}`);
    const helm = path.join(workspacePath, 'helm');
    await fs.writeFile(helm, `#!/bin/sh\ntouch '${helmRuns}'\nexit 1\n`, {
      mode: 0o755,
    });
    const atlas = new FakeAtlas();

    const { error } = await plan(
      {
        awsClients: awsAccount({ noCredentials: true }),
        atlas,
        helmBinary: helm,
      },
      { mode: 'plan', certificateArn: undefined },
    );

    expect(error).toBeUndefined();
    expect(aws!.callCount()).toBe(0);
    expect(atlas.calls).toEqual([]);
    await expect(fs.access(helmRuns)).rejects.toThrow();
  });
});
