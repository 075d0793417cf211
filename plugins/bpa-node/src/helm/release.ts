import { spawn } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { KubernetesClient } from '../kubernetes/client';
import { KubernetesConnection } from '../kubernetes/connection';
import {
  formatDuration,
  ProgressLogger,
  SecretMasker,
} from '../kubernetes/progress';
import { RegistryLogin } from '../ecr/registry';
import { runProgram } from './helmBinary';

export interface HelmReleaseOptions {
  /** Path of the helm binary (see findHelmBinary). */
  helm: string;
  connection: KubernetesConnection;
  release: string;
  namespace: string;
  /** `oci://...`, an `https://` chart archive, or an absolute path to a chart directory or archive. */
  chart: string;
  /** Chart version, for `oci://` charts. */
  version?: string;
  /** Absolute path of the values file (the plan's helm/values.yaml). */
  valuesFile: string;
  timeoutMs: number;
  logger: ProgressLogger;
  masker: SecretMasker;
  /** Login for the chart's OCI registry (ECR). */
  registryLogin?: RegistryLogin;
  /** Where the private working directory goes; defaults to the OS temp dir. */
  tempRoot?: string;
  /** How often the bearer token helm reads is refreshed. Default 1 minute. */
  tokenRefreshMs?: number;
  /**
   * An earlier run of this step started helm for this release and did not
   * finish (its backend stopped, helm with it): a pending revision is then
   * that run's, with no helm behind it, and is cleared before helm runs
   * again. Otherwise a pending revision is someone else's operation in
   * progress, and the release is left alone.
   */
  resumingInterruptedRun?: boolean;
}

export interface HelmReleaseResult {
  release: string;
  namespace: string;
  /** installed, upgraded, or unchanged (same chart and values already deployed: helm was not run). */
  outcome: 'installed' | 'upgraded' | 'unchanged';
  revision: number;
  status: string;
  /** `<name>-<version>` of the deployed chart. */
  chart: string;
  appVersion: string;
}

interface ListedRelease {
  name: string;
  revision: string;
  status: string;
  chart: string;
  app_version: string;
}

const CONTEXT = 'bpa';

/**
 * A kubeconfig for helm holding no bearer token itself: helm (client-go)
 * reads `tokenFile` again every minute, so the file can be renewed while
 * a long `--wait` runs (EKS tokens last 15 minutes).
 */
function helmKubeconfig(
  kc: KubeConfig,
  namespace: string,
  tokenFile: string,
): string {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster) throw new Error('The connection has no current cluster');
  const drop = (o: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(o).filter(
        ([, v]) => v !== undefined && v !== null && v !== false,
      ),
    );
  return stringifyYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: CONTEXT,
        cluster: drop({
          server: cluster.server,
          'certificate-authority-data': cluster.caData,
          'certificate-authority': cluster.caFile,
          'insecure-skip-tls-verify': cluster.skipTLSVerify,
          'tls-server-name': cluster.tlsServerName,
        }),
      },
    ],
    users: [
      {
        name: CONTEXT,
        user: drop({
          tokenFile: user?.token ? tokenFile : undefined,
          'client-certificate-data': user?.certData,
          'client-key-data': user?.keyData,
          'client-certificate': user?.certFile,
          'client-key': user?.keyFile,
          exec: user?.exec,
          username: user?.username,
          password: user?.password,
        }),
      },
    ],
    contexts: [
      {
        name: CONTEXT,
        context: { cluster: CONTEXT, user: CONTEXT, namespace },
      },
    ],
    'current-context': CONTEXT,
  });
}

async function writePrivate(file: string, content: string) {
  // Written beside, then renamed: helm never reads a half-written token.
  const partial = `${file}.partial`;
  await fs.writeFile(partial, content, { mode: 0o600 });
  await fs.rename(partial, file);
}

/** Runs helm with output streamed to the task log, masked; resolves with the exit code and output. */
function runHelmStreaming(
  helm: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: HelmReleaseOptions,
): Promise<{ code: number; output: string }> {
  return new Promise(resolve => {
    const child = spawn(helm, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) {
        if (line.trim())
          options.logger.info(options.masker.mask(`helm: ${line}`));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', error =>
      resolve({ code: 127, output: output + error.message }),
    );
    child.on('close', code => resolve({ code: code ?? 1, output }));
  });
}

/**
 * `helm upgrade --install <release>` with `--atomic --wait`, from the
 * plan's values file. Helm runs in a private temporary directory (its
 * kubeconfig, token and registry login 0600, its config and cache) that
 * is removed afterwards, also on failure. When the same chart version and
 * values are already deployed, nothing runs.
 */
export async function deployHelmRelease(
  options: HelmReleaseOptions,
): Promise<HelmReleaseResult> {
  const { release, namespace } = options;
  const client = new KubernetesClient(options.connection);
  if (
    !(await client.read({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace },
    }))
  ) {
    throw new Error(
      `Namespace ${namespace} does not exist in ${options.connection.displayName}: run bpa:kubernetes:bootstrap first`,
    );
  }

  const workDir = await fs.mkdtemp(
    path.join(options.tempRoot ?? os.tmpdir(), 'bpa-helm-'),
  );
  const kubeconfigFile = path.join(workDir, 'kubeconfig');
  const tokenFile = path.join(workDir, 'token');
  let refresher: NodeJS.Timeout | undefined;
  let renewing: Promise<void> | undefined;
  let progress: NodeJS.Timeout | undefined;
  try {
    await fs.chmod(workDir, 0o700);
    const kc = await options.connection.kubeConfig();
    let token = kc.getCurrentUser()?.token;
    options.masker.add(token);
    if (token) await writePrivate(tokenFile, token);
    await writePrivate(
      kubeconfigFile,
      helmKubeconfig(kc, namespace, tokenFile),
    );
    if (token) {
      const renew = async () => {
        try {
          const next = (await options.connection.kubeConfig()).getCurrentUser()
            ?.token;
          if (next && next !== token) {
            options.masker.add(next);
            await writePrivate(tokenFile, next);
            token = next;
          }
        } catch (error) {
          options.logger.warn(
            `Could not renew helm's cluster token: ${options.masker.mask(
              String(error),
            )}`,
          );
        }
      };
      refresher = setInterval(() => {
        renewing = renewing ? renewing.then(renew) : renew();
      }, options.tokenRefreshMs ?? 60_000);
    }

    const common = ['--kubeconfig', kubeconfigFile];
    if (options.registryLogin) {
      const registryConfig = path.join(workDir, 'registry.json');
      const { host, username, password } = options.registryLogin;
      options.masker.add(password);
      await writePrivate(
        registryConfig,
        JSON.stringify({
          auths: {
            [host]: {
              auth: Buffer.from(`${username}:${password}`).toString('base64'),
            },
          },
        }),
      );
      common.push('--registry-config', registryConfig);
    }
    // Helm's own state stays in the private directory: no config, cache or repositories of the backend's user.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: workDir,
      HELM_CONFIG_HOME: path.join(workDir, 'config'),
      HELM_CACHE_HOME: path.join(workDir, 'cache'),
      HELM_DATA_HOME: path.join(workDir, 'data'),
      ...(process.env.HTTPS_PROXY
        ? { HTTPS_PROXY: process.env.HTTPS_PROXY }
        : {}),
      ...(process.env.NO_PROXY ? { NO_PROXY: process.env.NO_PROXY } : {}),
      // A private CA (a chart server or registry behind the company's PKI) reaches helm as Go programs read it.
      ...(process.env.SSL_CERT_FILE
        ? { SSL_CERT_FILE: process.env.SSL_CERT_FILE }
        : {}),
      ...(process.env.SSL_CERT_DIR
        ? { SSL_CERT_DIR: process.env.SSL_CERT_DIR }
        : {}),
    };
    const helm = async (args: string[]) => {
      const result = await runProgram(options.helm, [...args, ...common], {
        env,
      });
      if (result.code !== 0) {
        throw new Error(
          `helm ${args[0]} ${args[1] ?? ''} failed: ${options.masker.mask(
            result.stderr.trim(),
          )}`,
        );
      }
      return result.stdout;
    };
    const chartArgs = [
      ...(options.version && options.chart.startsWith('oci://')
        ? ['--version', options.version]
        : []),
      // Only a loopback registry (a test's stand-in for ECR) is ever plain HTTP.
      ...(options.registryLogin?.plainHttp ? ['--plain-http'] : []),
    ];
    const deployed = async (): Promise<ListedRelease | undefined> =>
      (
        JSON.parse(
          await helm([
            'list',
            '--namespace',
            namespace,
            '--all',
            '--filter',
            `^${release}$`,
            '--output',
            'json',
          ]),
        ) as ListedRelease[]
      )[0];

    /**
     * Helm keeps the lock of an operation in the release record: a helm
     * killed mid-way (with the backend that ran it) leaves it pending
     * forever, and every later helm says "another operation is in
     * progress". An interrupted upgrade or rollback is rolled back to the
     * last deployed revision; an interrupted first install has its record
     * removed, and the install that follows takes over the objects it had
     * created (they carry the release's ownership annotations).
     */
    const clearInterruptedOperation = async (pending: ListedRelease) => {
      const revision = Number(pending.revision);
      const history = JSON.parse(
        await helm([
          'history',
          release,
          '--namespace',
          namespace,
          '--output',
          'json',
        ]),
      ) as Array<{ revision: number; status: string }>;
      const lastGood = history
        .filter(
          h =>
            h.revision < revision &&
            ['deployed', 'superseded'].includes(h.status),
        )
        .at(-1);
      if (lastGood) {
        options.logger.info(
          `Helm release ${namespace}/${release}: the previous run of this step stopped during helm (${pending.status}, revision ${revision}); rolling back to revision ${lastGood.revision} before running it again`,
        );
        await helm([
          'rollback',
          release,
          String(lastGood.revision),
          '--namespace',
          namespace,
          '--wait',
          '--timeout',
          `${Math.ceil(options.timeoutMs / 1000)}s`,
        ]);
        return;
      }
      options.logger.info(
        `Helm release ${namespace}/${release}: the previous run of this step stopped during the first install (${pending.status}, revision ${revision}); removing that unfinished release record so the install runs again`,
      );
      await client.delete({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: `sh.helm.release.v1.${release}.v${revision}`,
          namespace,
        },
      });
    };

    // Reading the chart first fails early, before the cluster changes, on a bad reference or login.
    const chart = parseYaml(
      await helm(['show', 'chart', options.chart, ...chartArgs]),
    );
    const chartId = `${chart.name}-${chart.version}`;
    let before = await deployed();
    if (before?.status.startsWith('pending-')) {
      if (!options.resumingInterruptedRun) {
        throw new Error(
          `Helm release ${namespace}/${release} has an operation in progress that this task did not start (${before.status}, revision ${before.revision}): wait for it to end, or clear it (helm rollback, or helm uninstall if it was never deployed), then retry the step`,
        );
      }
      await clearInterruptedOperation(before);
      before = await deployed();
    }
    if (before?.status === 'deployed' && before.chart === chartId) {
      const current = JSON.parse(
        await helm([
          'get',
          'values',
          release,
          '--namespace',
          namespace,
          '--output',
          'json',
        ]),
      );
      const planned =
        parseYaml(await fs.readFile(options.valuesFile, 'utf8')) ?? {};
      if (isDeepStrictEqual(current ?? {}, planned)) {
        options.logger.info(
          `Helm release ${namespace}/${release} already runs ${chartId} with the plan's values (revision ${before.revision}): unchanged`,
        );
        return {
          release,
          namespace,
          outcome: 'unchanged',
          revision: Number(before.revision),
          status: before.status,
          chart: before.chart,
          appVersion: before.app_version,
        };
      }
    }

    const timeout = `${Math.ceil(options.timeoutMs / 1000)}s`;
    options.logger.info(
      `helm upgrade --install ${release} ${
        options.chart
      } (${chartId}) in ${namespace}, --atomic --wait --timeout ${timeout}, values ${path.basename(
        options.valuesFile,
      )}`,
    );
    const started = Date.now();
    progress = setInterval(
      () =>
        options.logger.info(
          `Helm release ${release}: still waiting for its resources (${formatDuration(
            Date.now() - started,
          )})`,
        ),
      30_000,
    );
    const result = await runHelmStreaming(
      options.helm,
      [
        'upgrade',
        '--install',
        release,
        options.chart,
        '--namespace',
        namespace,
        '--values',
        options.valuesFile,
        ...chartArgs,
        '--atomic',
        '--wait',
        '--timeout',
        timeout,
        ...common,
      ],
      env,
      options,
    );
    if (result.code !== 0) {
      throw new Error(
        `helm upgrade --install ${release} failed after ${formatDuration(
          Date.now() - started,
        )} (--atomic rolled it back): ${options.masker.mask(
          result.output.trim().split('\n').slice(-15).join('\n'),
        )}`,
      );
    }
    const after = await deployed();
    if (!after)
      throw new Error(
        `helm reported success but release ${namespace}/${release} is not listed`,
      );
    options.logger.info(
      `Helm release ${namespace}/${release}: revision ${after.revision}, ${
        after.status
      }, ${after.chart} (${formatDuration(Date.now() - started)})`,
    );
    return {
      release,
      namespace,
      outcome:
        before && before.status !== 'uninstalled' ? 'upgraded' : 'installed',
      revision: Number(after.revision),
      status: after.status,
      chart: after.chart,
      appVersion: after.app_version,
    };
  } finally {
    if (refresher) clearInterval(refresher);
    if (progress) clearInterval(progress);
    await renewing;
    await fs.rm(workDir, { recursive: true, force: true });
  }
}
