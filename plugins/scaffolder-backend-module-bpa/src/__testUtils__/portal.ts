import fs from 'node:fs/promises';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import {
  AuditorService,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { JsonObject } from '@backstage/types';
import {
  EnvironmentSpec,
  registeredEnvironmentEntities,
} from '@internal/backstage-plugin-bpa-common';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleTemplates from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import permissionPlugin from '@backstage/plugin-permission-backend';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import catalogModuleBpaEnvironments from '@internal/backstage-plugin-catalog-backend-module-bpa';
import permissionModuleBpaPolicy from '@internal/backstage-plugin-permission-backend-module-bpa-policy';
import { scaffolderModuleBpa } from '../module';

const REPOSITORY = path.resolve(__dirname, '../../../..');
export const EXAMPLE_ORG = path.join(REPOSITORY, 'examples/org.yaml');
export const TEMPLATES = path.join(REPOSITORY, 'templates');

/** The example organisation's users, and an administrator added for the tests. */
export const OWNER = 'user:default/pat';
export const OUTSIDER = 'user:default/sam';
export const ADMIN = 'user:default/ada';
export const ADMIN_GROUP = 'group:default/portal-admins';
export const PROTECTED_ACCOUNT = '111122223333';

/**
 * What the auth backend's catalog sign-in resolves for each user: the user
 * and the groups its User entity is a member of (examples/org.yaml), plus
 * the administrator of the tests.
 */
async function exampleMemberships(): Promise<Map<string, string[]>> {
  const entities = parseAllDocuments(await fs.readFile(EXAMPLE_ORG, 'utf8'))
    .map(d => d.toJS() as Entity)
    .filter(e => e?.kind === 'User');
  const memberships = new Map(
    entities.map(user => {
      const ref = stringifyEntityRef(user);
      const groups = ((user.spec?.memberOf ?? []) as string[]).map(group =>
        stringifyEntityRef(
          parseEntityRef(group, {
            defaultKind: 'group',
            defaultNamespace: 'default',
          }),
        ),
      );
      return [ref, [ref, ...groups]];
    }),
  );
  memberships.set(ADMIN, [ADMIN, ADMIN_GROUP]);
  return memberships;
}

const MOCK_SERVICE_TOKEN_PREFIX = 'mock-service-token:';

/**
 * The mock HTTP authentication, except that a plugin's request on behalf of
 * a user carries the plugin as the user principal's actor, as Backstage's
 * real tokens do (the permission backend tells such requests from a user's
 * own by it).
 */
const onBehalfOfAwareHttpAuth = createServiceFactory({
  service: coreServices.httpAuth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const mock = mockServices.httpAuth({ pluginId: plugin.getId() });
    return {
      ...mock,
      issueUserCookie: mock.issueUserCookie.bind(mock),
      async credentials(req: any, options?: any) {
        const token = /^Bearer[ ]+(\S+)$/i.exec(
          req.headers.authorization ?? '',
        )?.[1];
        if (token?.startsWith(MOCK_SERVICE_TOKEN_PREFIX)) {
          const { obo, sub } = JSON.parse(
            token.slice(MOCK_SERVICE_TOKEN_PREFIX.length),
          );
          if (obo && (!options?.allow || options.allow.includes('user'))) {
            return mockCredentials.user(obo, {
              actor: { subject: sub ?? 'plugin' },
            }) as any;
          }
        }
        return mock.credentials(req, options);
      },
    };
  },
});

/** One audit record, as a plugin asked the auditor service to write it. */
export interface AuditRecord {
  plugin: string;
  eventId: string;
  severityLevel?: string;
  meta?: JsonObject;
  status: 'initiated' | 'succeeded' | 'failed';
  error?: string;
}

/** An auditor keeping what each plugin asks it to record. */
function recordingAuditor(
  plugin: string,
  records: AuditRecord[],
): AuditorService {
  return {
    async createEvent({ eventId, severityLevel, meta }) {
      const record = { plugin, eventId, severityLevel, meta };
      records.push({ ...record, status: 'initiated' });
      return {
        async success(params) {
          records.push({
            ...record,
            meta: { ...meta, ...params?.meta },
            status: 'succeeded',
          });
        },
        async fail(params) {
          records.push({
            ...record,
            meta: { ...meta, ...params.meta },
            status: 'failed',
            error: params.error.message,
          });
        },
      };
    },
  };
}

/**
 * Stands in for every AWS endpoint (AWS_ENDPOINT_URL): counts the calls and
 * refuses each with a non-retryable error, so an action that got past its
 * authorization fails at its first AWS call, visibly.
 */
export async function startCountingAws() {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.headers.host}${req.url}`);
    req.resume();
    res.writeHead(403, { 'content-type': 'text/xml' });
    res.end(
      '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>the test stands in for AWS</Message></Error></ErrorResponse>',
    );
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }`,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'not-a-real-key',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
  });
  return {
    requests,
    async stop() {
      for (const key of Object.keys(process.env)) {
        if (!(key in saved)) delete process.env[key];
      }
      Object.assign(process.env, saved);
      await new Promise(resolve => server.close(resolve));
    },
  };
}

/** A custom template that calls BPA actions directly: what a template author could write. */
export const DIRECT_TEMPLATE = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'bpa-direct', title: 'BPA actions, directly' },
  spec: {
    owner: 'group:default/app-team',
    type: 'service',
    parameters: [
      {
        properties: {
          step: { type: 'string' },
          certificateArn: { type: 'string' },
          state: { type: 'string' },
          spec: { type: 'object' },
        },
      },
    ],
    steps: [
      {
        id: 'plan',
        if: "${{ parameters.step === 'deploy' }}",
        action: 'bpa:environment:plan',
        input: { spec: '${{ parameters.spec }}' },
      },
      {
        // "Plan and apply"'s first step: its checks of the apply's
        // prerequisites ask AWS, Atlas and helm.
        id: 'plan-apply',
        if: "${{ parameters.step === 'plan-apply' }}",
        action: 'bpa:environment:plan',
        input: {
          spec: '${{ parameters.spec }}',
          mode: 'apply',
          certificateArn: '${{ parameters.certificateArn }}',
        },
      },
      {
        id: 'deploy',
        if: "${{ parameters.step === 'deploy' }}",
        action: 'bpa:aws:deploy',
        input: { spec: '${{ parameters.spec }}', stacks: ['network'] },
      },
      {
        id: 'teardown',
        if: "${{ parameters.step === 'teardown' }}",
        action: 'bpa:aws:teardown',
        input: { spec: '${{ parameters.spec }}', liftDeletionProtection: true },
      },
      {
        id: 'register',
        if: "${{ parameters.step === 'register' }}",
        action: 'bpa:catalog:register',
        input: {
          spec: '${{ parameters.spec }}',
          state: '${{ parameters.state }}',
        },
      },
    ],
  },
};

export interface PortalOptions {
  /** Environments already registered by the portal, in their state. */
  environments: Array<{ spec: EnvironmentSpec; state: 'planned' | 'applied' }>;
}

/**
 * The portal's backend as far as permissions go, in one test backend: the
 * real scaffolder with the BPA module, the real catalog (the example
 * organisation, the templates, and the BPA environments provider reading the
 * environments directory), the real permission backend with the portal's
 * policy. Users are signed in with mock tokens; their ownership is what the
 * catalog sign-in gives them. Audit records are kept.
 */
export async function startPortal(options: PortalOptions) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-portal-'));
  const entitiesDirectory = path.join(root, 'environments');
  await fs.mkdir(entitiesDirectory);
  for (const { spec, state } of options.environments) {
    await fs.writeFile(
      path.join(entitiesDirectory, `${spec.name}.yaml`),
      registeredEnvironmentEntities(spec, state)
        .map(e => stringify(e))
        .join('---\n'),
    );
  }
  const directTemplate = path.join(root, 'direct-template.yaml');
  await fs.writeFile(directTemplate, stringify(DIRECT_TEMPLATE));

  const memberships = await exampleMemberships();
  const audit: AuditRecord[] = [];
  const fileLocation = (target: string, kinds: string[]) => ({
    type: 'file',
    target,
    rules: [{ allow: kinds }],
  });
  const backend = await startTestBackend({
    features: [
      scaffolderPlugin,
      scaffolderModuleBpa,
      catalogPlugin,
      catalogModuleTemplates,
      catalogModuleBpaEnvironments,
      permissionPlugin,
      permissionModuleBpaPolicy,
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true },
          catalog: {
            rules: [{ allow: ['Component', 'System', 'Resource'] }],
            locations: [
              fileLocation(EXAMPLE_ORG, ['User', 'Group']),
              fileLocation(
                path.join(TEMPLATES, 'bpa-environment-teardown/template.yaml'),
                ['Template'],
              ),
              fileLocation(directTemplate, ['Template']),
            ],
          },
          bpa: {
            catalog: { entitiesDirectory, waitSeconds: 20 },
            permissions: {
              adminGroups: [ADMIN_GROUP],
              protectedAccounts: [PROTECTED_ACCOUNT],
            },
          },
        },
      }),
      onBehalfOfAwareHttpAuth,
      createServiceFactory({
        service: coreServices.userInfo,
        deps: {},
        factory: () => ({
          async getUserInfo(credentials) {
            const ref = (credentials.principal as { userEntityRef: string })
              .userEntityRef;
            return {
              userEntityRef: ref,
              ownershipEntityRefs: memberships.get(ref) ?? [ref],
            };
          },
        }),
      }),
      createServiceFactory({
        service: coreServices.auditor,
        deps: { plugin: coreServices.pluginMetadata },
        factory: ({ plugin }) => recordingAuditor(plugin.getId(), audit),
      }),
    ],
  });
  const base = `http://localhost:${
    (backend.server.address() as AddressInfo).port
  }/api`;

  async function call(
    user: string,
    method: string,
    apiPath: string,
    body?: unknown,
  ) {
    const response = await fetch(`${base}${apiPath}`, {
      method,
      headers: {
        Authorization: mockCredentials.user.header(user),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, body: json };
  }

  /** Waits until the catalog shows an entity (the catalog ingests in the background). */
  async function waitForEntity(ref: string, timeoutMs = 30_000) {
    const { kind, namespace, name } = parseEntityRef(ref);
    const started = Date.now();
    for (;;) {
      const { status, body } = await call(
        ADMIN,
        'GET',
        `/catalog/entities/by-name/${kind}/${namespace}/${name}`,
      );
      if (status === 200) return body as Entity;
      if (Date.now() - started > timeoutMs) {
        throw new Error(
          `${ref} did not reach the catalog in ${timeoutMs} ms (${status}: ${JSON.stringify(
            body,
          )})`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, 250));
    }
  }

  /** Runs a template as a user and waits for the task to end; returns its status and log. */
  async function runTask(
    user: string,
    templateRef: string,
    values: JsonObject,
    timeoutMs = 60_000,
  ) {
    const created = await call(user, 'POST', '/scaffolder/v2/tasks', {
      templateRef,
      values,
    });
    if (created.status !== 201) {
      throw new Error(
        `task not created (${created.status}): ${JSON.stringify(created.body)}`,
      );
    }
    const taskId: string = created.body.id;
    const started = Date.now();
    for (;;) {
      const task = await call(user, 'GET', `/scaffolder/v2/tasks/${taskId}`);
      if (['completed', 'failed', 'cancelled'].includes(task.body.status)) {
        const events = await call(
          user,
          'GET',
          `/scaffolder/v2/tasks/${taskId}/events`,
        );
        const log = (events.body as Array<{ body: { message?: string } }>)
          .map(e => e.body.message ?? '')
          .join('\n');
        return { taskId, status: task.body.status as string, log };
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`task ${taskId} did not end in ${timeoutMs} ms`);
      }
      await new Promise(resolve => setTimeout(resolve, 200));
    }
  }

  /** Dry-runs a template as a user (the template editor's dry run). */
  async function dryRun(
    user: string,
    template: JsonObject,
    values: JsonObject,
  ) {
    return call(user, 'POST', '/scaffolder/v2/dry-run', {
      template,
      values,
      directoryContents: [],
    });
  }

  return {
    entitiesDirectory,
    audit,
    call,
    waitForEntity,
    runTask,
    dryRun,
    async stop() {
      await backend.stop();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}
