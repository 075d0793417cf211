import { EnvironmentStatus } from '@internal/backstage-plugin-bpa-common';
import { Replica } from './portal';
import { EnvironmentUnderTest } from './resources';
import { formValues } from './tasks';
import { ACCOUNT_ID, REGION, World } from './world';

/** The load balancer certificate the requests name (the plan step checks its account and region). */
export const CERTIFICATE_ARN = `arn:aws:acm:${REGION}:${ACCOUNT_ID}:certificate/0b5c1f7e-3c9a-4a11-9d3e-5f0c2a7b8e91`;

/**
 * The "BPA environment on Amazon EKS" form as a user fills it in for an
 * environment under test: name, owner, account, admin CIDR, Atlas project,
 * certificate, the stand-in chart and the registry the mirror copies it
 * and the images from (the form's default images unless `images`); every
 * other field at its default.
 */
export function environmentRequest(
  world: World,
  env: EnvironmentUnderTest,
  mode: 'plan' | 'apply',
  images?: Array<{ name: string; tag: string }>,
): Record<string, unknown> {
  return formValues('bpa-environment', {
    ...(images && { ecrImages: images }),
    name: env.name,
    owner: 'group:default/platform-team',
    accountId: ACCOUNT_ID,
    region: REGION,
    adminCidr: '203.0.113.0/24',
    atlasProjectId: env.atlasProjectId,
    certificateArn: CERTIFICATE_ARN,
    bpaChart: world.registries.chart,
    ecrSourceRegistry: `${world.registries.source.host}/bpa`,
    mode,
  });
}

/**
 * The "Tear down a BPA environment" form for an environment under test:
 * the System picked, its name typed to confirm, deletion protection lifted
 * (the data stack has it), and the Atlas cluster kept unless asked.
 */
export function teardownRequest(
  env: EnvironmentUnderTest,
  options: { terminateAtlasCluster?: boolean } = {},
): Record<string, unknown> {
  return formValues('bpa-environment-teardown', {
    environment: `system:default/${env.name}`,
    confirmation: env.name,
    liftDeletionProtection: true,
    terminateAtlasCluster: options.terminateAtlasCluster ?? false,
  });
}

async function get<T>(
  replica: Replica,
  token: string,
  apiPath: string,
): Promise<T | undefined> {
  const response = await fetch(`${replica.baseUrl}${apiPath}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (response.status === 404) return undefined;
  if (!response.ok) {
    throw new Error(
      `GET ${apiPath} on ${replica.name}: HTTP ${
        response.status
      } ${await response.text()}`,
    );
  }
  return (await response.json()) as T;
}

/** Waits until the catalog of a replica serves both BPA templates (it reads them from files at start). */
export async function waitForTemplates(
  replica: Replica,
  token: string,
  timeoutMs = 120_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (const name of ['bpa-environment', 'bpa-environment-teardown']) {
    while (
      !(await get(
        replica,
        token,
        `/api/catalog/entities/by-name/template/default/${name}`,
      ))
    ) {
      if (Date.now() > deadline)
        throw new Error(
          `The catalog of ${replica.name} never served template ${name}`,
        );
      await new Promise(r => setTimeout(r, 500));
    }
  }
}

/** The environment's System, as the catalog serves it to the user. */
export function catalogSystem(
  replica: Replica,
  token: string,
  env: EnvironmentUnderTest,
) {
  return get<{ metadata: { annotations?: Record<string, string> } }>(
    replica,
    token,
    `/api/catalog/entities/by-name/system/default/${env.name}`,
  );
}

/** GET /api/bpa/environments/default/<name>/status: what the environment page's Live status card shows. */
export async function liveStatus(
  replica: Replica,
  token: string,
  env: EnvironmentUnderTest,
) {
  const status = await get<EnvironmentStatus>(
    replica,
    token,
    `/api/bpa/environments/default/${env.name}/status`,
  );
  if (!status) throw new Error(`No live status for ${env.name}`);
  return status;
}

/** Every part of a live status whose level is not `ok` (an error, pending, absent, or a section that failed). */
export function partsNotOk(status: EnvironmentStatus): string[] {
  const problems: string[] = [];
  const section = <T extends { level: string }>(
    name: string,
    value: { data?: T | T[]; error?: string } | undefined,
    label: (item: T) => string,
  ) => {
    if (!value) problems.push(`${name}: missing`);
    else if (value.error) problems.push(`${name}: ${value.error}`);
    else {
      const items = ([] as T[]).concat(value.data ?? []);
      if (!items.length) problems.push(`${name}: empty`);
      for (const item of items) {
        if (item.level !== 'ok')
          problems.push(`${name} ${label(item)}: ${item.level}`);
      }
    }
  };
  section('stacks', status.stacks, s => `${s.stackName} ${s.status}`);
  section('cluster', status.cluster, c => `${c.name} ${c.status}`);
  section('atlas', status.atlas, a => `${a.name} ${a.status}`);
  section('release', status.release, r => `${r.name} ${r.status}`);
  section(
    'workloads',
    status.workloads,
    w => `${w.kind} ${w.name} ${w.ready}/${w.desired}`,
  );
  return problems;
}
