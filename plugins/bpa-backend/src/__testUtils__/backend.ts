import { AddressInfo } from 'node:net';
import {
  ServiceFactory,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
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

/**
 * The plugin in a test backend: a catalog holding `entities` that hides them
 * from {@link OUTSIDER}, mock authentication, and a logger that keeps its lines.
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
  const catalog = catalogServiceMock.mock({
    getEntityByRef: async (ref, requestOptions) => {
      const principal = (requestOptions as any)?.credentials?.principal;
      return principal?.userEntityRef === OUTSIDER
        ? undefined
        : store.getEntityByRef(ref);
    },
  });
  const { logger, lines } = capturingLogger();
  const { server } = await startTestBackend({
    features: [
      createBpaPlugin({ sources: options.sources }),
      catalog.factory,
      mockServices.rootConfig.factory({ data: options.config ?? {} }),
      createServiceFactory({
        service: coreServices.logger,
        deps: {},
        factory: () => logger,
      }),
      ...(options.services ?? []),
    ],
  });
  const base = `http://localhost:${
    (server.address() as AddressInfo).port
  }/api/bpa`;
  return {
    catalog,
    logs: lines,
    /** GET as a signed-in user (the mock user unless one is named). */
    get(path: string, user?: string) {
      return fetch(`${base}${path}`, {
        headers: { Authorization: mockCredentials.user.header(user) },
      });
    },
  };
}
