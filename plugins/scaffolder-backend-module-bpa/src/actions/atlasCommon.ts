import { InputError } from '@backstage/errors';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import {
  DEFAULT_SUPPORTED_VERSIONS,
  supportedVersionsIncluding,
  EnvironmentSpec,
  SpecIssue,
  SupportedVersions,
} from '@internal/backstage-plugin-bpa-common';
import {
  AtlasApi,
  AtlasAwsClientFactory,
  AtlasClock,
  AtlasStepContext,
  AtlasWaitOptions,
  atlasRegionOf,
  atlasSystemClock,
} from '@internal/backstage-plugin-bpa-node';
import { parseSpecInput } from './util';

/** What the Atlas actions are built with, once, in the module's init. */
export interface AtlasActionOptions {
  /** Undefined when app-config has no Atlas credentials: dry runs still validate, real runs are refused. */
  atlas?: AtlasApi;
  awsClients: AtlasAwsClientFactory;
  /** Versions and tiers accepted by validation; defaults to the built-in list. */
  supportedVersions?: SupportedVersions;
  clock?: AtlasClock;
  /** `bpa.atlas.pollIntervalSeconds`: between two looks at Atlas, unless a step's input says otherwise. */
  pollIntervalSeconds?: number;
}

/** Refuses a request with every issue named by field. */
export function refuse(issues: SpecIssue[]): never {
  throw new InputError(
    `Invalid BPA environment request: ${issues
      .map(i => `${i.path}: ${i.message}`)
      .join('; ')}`,
  );
}

/** Validates the request, and that Atlas runs dedicated clusters in its region. */
export function parseAtlasSpec(
  input: unknown,
  supportedVersions: SupportedVersions | undefined,
): EnvironmentSpec {
  const spec = parseSpecInput(input, supportedVersions);
  try {
    atlasRegionOf(spec);
  } catch (error) {
    const [path, ...message] = (error as Error).message.split(': ');
    refuse([{ path, message: message.join(': ') }]);
  }
  return spec;
}

/**
 * Teardown must work for an environment whose versions have since left the
 * supported lists: its own versions count as supported here.
 */
export function parseSpecForTeardown(
  input: Record<string, unknown>,
  supportedVersions: SupportedVersions = DEFAULT_SUPPORTED_VERSIONS,
): EnvironmentSpec {
  return parseSpecInput(
    input,
    supportedVersionsIncluding(input, supportedVersions),
  );
}

export function requireAtlas(atlas: AtlasApi | undefined): AtlasApi {
  if (!atlas) {
    throw new InputError(
      'MongoDB Atlas credentials are not configured: set bpa.atlas.serviceAccount.clientId and clientSecret (or bpa.atlas.apiKey.publicKey and privateKey) in app-config',
    );
  }
  return atlas;
}

/** The scaffolder task as the Atlas steps see it: its log, its checkpoints, a clock. */
export function atlasStepContext(
  ctx: Pick<ActionContext<any, any>, 'logger' | 'checkpoint'>,
  clock: AtlasClock = atlasSystemClock,
): AtlasStepContext {
  return {
    logger: ctx.logger,
    checkpoint: (key, fn) => ctx.checkpoint({ key, fn }),
    clock,
  };
}

/** The step's input, else the configured interval, else the action's default. */
export function waitOptions(
  input: {
    pollIntervalSeconds?: number;
    timeoutMinutes?: number;
  },
  defaults: { pollIntervalSeconds: number; timeoutMinutes: number },
  configured: Pick<AtlasActionOptions, 'pollIntervalSeconds'> = {},
): AtlasWaitOptions {
  return {
    pollIntervalMs:
      (input.pollIntervalSeconds ??
        configured.pollIntervalSeconds ??
        defaults.pollIntervalSeconds) * 1000,
    timeoutMs: (input.timeoutMinutes ?? defaults.timeoutMinutes) * 60_000,
  };
}
