import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createSpecializedBackend } from '@backstage/backend-app-api';
import { rootHttpRouterServiceFactory } from '@backstage/backend-defaults/rootHttpRouter';
import {
  ServiceFactory,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import {
  CatalogService,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { capturingLogger } from '@internal/backstage-plugin-bpa-test-utils';
import {
  EnvironmentSpec,
  environmentEntities,
  registeredEnvironmentEntities,
} from '@internal/backstage-plugin-bpa-common';
import { createAwsClientFactory } from '@internal/backstage-plugin-bpa-node';
import { createBpaPlugin } from '../plugin';
import { StatusSources } from '../service/sources';

/** The user the catalog keeps every environment from. */
export const OUTSIDER = 'user:default/outsider';

/** The environment's System as the apply registers it, in a given state. */
export function environmentSystem(
  spec: EnvironmentSpec,
  state?: 'planned' | 'applied',
): Entity {
  const entities = state
    ? registeredEnvironmentEntities(spec, state)
    : environmentEntities(spec);
  return entities.find(e => e.kind === 'System')!;
}

/** A client factory for the simulated AWS of bpa-node's test utilities, with fake keys. */
export function simulatedAwsClients(accountId: string) {
  return createAwsClientFactory({
    credentialsManager: {
      getCredentialProvider: async () => ({
        accountId,
        sdkCredentialProvider: async () => ({
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          secretAccessKey: 'not-a-real-key',
        }),
      }),
    },
  });
}

/** Backends started by {@link startStatusBackend}, stopped after a test file's tests. */
const started: Array<{ stop(): Promise<void> }> = [];
if (typeof afterAll === 'function') {
  afterAll(async () => {
    await Promise.all(started.splice(0).map(backend => backend.stop()));
  });
}

/**
 * The plugin in a backend of mock services (authentication that accepts
 * mock credentials, an in-memory cache), listening on 127.0.0.1 only at a
 * port the OS picks — backend-test-utils' own test backend listens on every
 * interface. Its catalog holds `entities` and hides them from
 * {@link OUTSIDER}; its logger keeps its lines.
 */
export async function startStatusBackend(options: {
  entities: Entity[];
  /** Builds the sources from the backend's config; the plugin's default when left out. */
  sources?: (config: Config) => StatusSources;
  config?: mockServices.rootConfig.Options['data'];
  /** Services in place of the test backend's (the permissions, the scaffolder's client). */
  services?: ServiceFactory[];
}) {
  const store = catalogServiceMock({ entities: options.entities });
  const getEntityByRef: CatalogService['getEntityByRef'] = async (
    ref,
    requestOptions,
  ) => {
    const principal = (requestOptions as any)?.credentials?.principal;
    return principal?.userEntityRef === OUTSIDER
      ? undefined
      : store.getEntityByRef(ref);
  };
  type CatalogSpy = ReturnType<typeof catalogServiceMock.mock>;
  // Tests spy on the catalog; the status benchmark runs outside Jest.
  const catalog =
    typeof jest === 'undefined'
      ? ({ getEntityByRef } as unknown as CatalogSpy)
      : catalogServiceMock.mock({ getEntityByRef });
  const { logger, lines } = capturingLogger();
  let server: Server | undefined;
  const overridden = new Set(
    (options.services ?? []).map(factory => factory.service.id),
  );
  const defaults: ServiceFactory[] = [
    mockServices.rootConfig.factory({
      data: {
        ...options.config,
        backend: { listen: { host: '127.0.0.1', port: 0 } },
      },
    }),
    rootHttpRouterServiceFactory({
      configure: context => {
        server = context.server;
        context.applyDefaults();
      },
    }),
    mockServices.rootLogger.factory(),
    mockServices.rootLifecycle.factory(),
    mockServices.rootHealth.factory(),
    mockServices.lifecycle.factory(),
    mockServices.auth.factory(),
    mockServices.httpAuth.factory(),
    mockServices.httpRouter.factory(),
    mockServices.cache.factory(),
    mockServices.discovery.factory(),
    mockServices.permissions.factory(),
    mockServices.permissionsRegistry.factory(),
    createServiceFactory({
      service: coreServices.logger,
      deps: {},
      factory: () => logger,
    }),
  ];
  const backend = createSpecializedBackend({
    defaultServiceFactories: [
      ...defaults.filter(factory => !overridden.has(factory.service.id)),
      ...(options.services ?? []),
    ],
  });
  backend.add(createBpaPlugin({ sources: options.sources }));
  backend.add(
    createServiceFactory({
      service: catalogServiceRef,
      deps: {},
      factory: () => catalog,
    }),
  );
  await backend.start();
  started.push(backend);
  const base = `http://127.0.0.1:${
    (server!.address() as AddressInfo).port
  }/api/bpa`;
  return {
    catalog,
    logs: lines,
    /** http://127.0.0.1:<port>/api/bpa */
    baseUrl: base,
    /** GET as a signed-in user (the mock user unless one is named). */
    get(path: string, user?: string) {
      return fetch(`${base}${path}`, {
        headers: { Authorization: mockCredentials.user.header(user) },
      });
    },
    /** Stops the backend (tests need not: it stops after the file's tests). */
    stop: () => backend.stop(),
  };
}
