import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  connectWithToken,
  KubernetesConnection,
} from '../kubernetes/connection';
import { SecretMasker } from '../kubernetes/progress';
import {
  testHelmBinary,
  writePlan,
  startKubeApiServer,
  TestKubeApiServer,
} from '@internal/backstage-plugin-bpa-test-utils';
import { deployHelmRelease, HelmReleaseOptions } from './release';

jest.setTimeout(180_000);

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
/** The stand-in for Cisco's BPA chart (see its values.yaml). */
const STANDIN_CHART = path.resolve(__dirname, '../../test-charts/bpa-standin');

describe('deployHelmRelease with a real helm against a real kube-apiserver', () => {
  let api: TestKubeApiServer;
  let work: string;
  let tempRoot: string;
  let planValues: string;
  const helm = testHelmBinary();
  const logLines: string[] = [];
  const logger = {
    info: (m: string) => logLines.push(`info ${m}`),
    warn: (m: string) => logLines.push(`warn ${m}`),
  };
  let connection: KubernetesConnection;

  const release = (overrides: Partial<HelmReleaseOptions> = {}) =>
    deployHelmRelease({
      helm,
      connection,
      release: 'bpa-rel',
      namespace: 'bpa-ns',
      chart: STANDIN_CHART,
      valuesFile: planValues,
      timeoutMs: 60_000,
      logger,
      masker: new SecretMasker(),
      tempRoot,
      ...overrides,
    });

  const settings = async () =>
    (
      await api.request(
        'GET',
        '/api/v1/namespaces/bpa-ns/configmaps/bpa-rel-settings',
      )
    ).data;

  beforeAll(async () => {
    api = await startKubeApiServer();
    connection = connectWithToken({
      server: api.server,
      token: api.token,
      caData: api.caData,
    });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-helm-test-'));
    tempRoot = path.join(work, 'tmp');
    await fs.mkdir(tempRoot);
    await writePlan(spec, path.join(work, 'plan'));
    planValues = path.join(work, 'plan', 'helm', 'values.yaml');
  });

  afterAll(async () => {
    await api?.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('refuses to install before the namespace exists', async () => {
    await expect(release()).rejects.toThrow(
      `Namespace bpa-ns does not exist in cluster ${api.server}: run bpa:kubernetes:bootstrap first`,
    );
    await api.request('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'bpa-ns' },
    });
  });

  it("installs the chart with the plan's values and removes its working files", async () => {
    const result = await release();
    expect(result).toEqual({
      release: 'bpa-rel',
      namespace: 'bpa-ns',
      outcome: 'installed',
      revision: 1,
      status: 'deployed',
      chart: 'bpa-standin-4.0.3-6',
      appVersion: '4.0.3',
    });
    expect(await settings()).toEqual({
      imageRegistry: '123456789012.dkr.ecr.us-east-1.amazonaws.com/bpa',
      images: JSON.stringify({
        'sase-service': {
          repository:
            '123456789012.dkr.ecr.us-east-1.amazonaws.com/bpa/sase-service',
          tag: '4.0.3-522',
        },
      }),
      environmentSecret: 'bpa-environment',
      nodeSelectors: JSON.stringify({
        'node-1': { name: 'node-1' },
        'node-2': { name: 'node-2' },
        'node-3': { name: 'node-3' },
        'node-4': { name: 'node-4' },
      }),
    });
    const controller = await api.request(
      'GET',
      '/apis/apps/v1/namespaces/bpa-ns/deployments/bpa-rel-ingress-controller',
    );
    expect(controller.spec.template.spec.containers[0].args).toContain(
      '--default-ssl-certificate=bpa-ns/bpa-certificate-ingress',
    );
    expect(controller.spec.template.spec.nodeSelector).toEqual({
      name: 'node-4',
    });
    expect(await fs.readdir(tempRoot)).toEqual([]);
  });

  it('changes nothing when the same chart and values are deployed', async () => {
    const result = await release();
    expect(result).toMatchObject({ outcome: 'unchanged', revision: 1 });
    expect(logLines.join('\n')).toContain(
      "already runs bpa-standin-4.0.3-6 with the plan's values (revision 1): unchanged",
    );
  });

  it('upgrades when the values change', async () => {
    const values = parseYaml(await fs.readFile(planValues, 'utf8'));
    values.global.imageRegistry =
      '210987654321.dkr.ecr.eu-west-1.amazonaws.com/bpa';
    const changed = path.join(work, 'changed-values.yaml');
    await fs.writeFile(changed, stringifyYaml(values));
    const result = await release({ valuesFile: changed });
    expect(result).toMatchObject({
      outcome: 'upgraded',
      revision: 2,
      status: 'deployed',
    });
    expect((await settings()).imageRegistry).toBe(
      '210987654321.dkr.ecr.eu-west-1.amazonaws.com/bpa',
    );
  });

  it('rolls back a release that does not become ready, and still removes its working files', async () => {
    const values = parseYaml(await fs.readFile(planValues, 'utf8'));
    values.global.imageRegistry = 'never.example.com/bpa';
    values.standin = { paused: false };
    const stuck = path.join(work, 'stuck-values.yaml');
    await fs.writeFile(stuck, stringifyYaml(values));
    await expect(
      release({ valuesFile: stuck, timeoutMs: 3000 }),
    ).rejects.toThrow(
      /helm upgrade --install bpa-rel failed after .* \(--atomic rolled it back\)/,
    );
    expect((await settings()).imageRegistry).toBe(
      '210987654321.dkr.ecr.eu-west-1.amazonaws.com/bpa',
    );
    expect(await fs.readdir(tempRoot)).toEqual([]);
  });

  it('gives helm a private kubeconfig whose token file is renewed while helm runs', async () => {
    // A helm that records what it was given, then waits (as --wait does) before doing its work.
    const record = path.join(work, 'record.txt');
    const wrapper = path.join(work, 'helm-wrapper.sh');
    await fs.writeFile(
      wrapper,
      [
        '#!/bin/sh',
        'kc=""; prev=""',
        'for a in "$@"; do [ "$prev" = "--kubeconfig" ] && kc="$a"; prev="$a"; done',
        'if [ "$1" = "upgrade" ]; then',
        `  { stat -c 'kubeconfig %a' "$kc"; stat -c 'workdir %a' "$(dirname "$kc")"; stat -c 'token %a' "$(dirname "$kc")/token"; cat "$kc"; echo; echo "token-before $(cat "$(dirname "$kc")/token")"; } > '${record}'`,
        '  sleep 2',
        `  echo "token-after $(cat "$(dirname "$kc")/token")" >> '${record}'`,
        'fi',
        `exec '${helm}' "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const started = Date.now();
    const first = connectWithToken({
      server: api.server,
      token: api.token,
      caData: api.caData,
    });
    const second = connectWithToken({
      server: api.server,
      token: api.rotatedToken,
      caData: api.caData,
    });
    const rotating: KubernetesConnection = {
      displayName: 'rotating',
      kubeConfig: () =>
        (Date.now() - started < 1000 ? first : second).kubeConfig(),
    };
    const values = parseYaml(await fs.readFile(planValues, 'utf8'));
    values.global.imageRegistry = 'rotated.example.com/bpa';
    const rotatedValues = path.join(work, 'rotated-values.yaml');
    await fs.writeFile(rotatedValues, stringifyYaml(values));

    const result = await release({
      helm: wrapper,
      connection: rotating,
      valuesFile: rotatedValues,
      tokenRefreshMs: 200,
    });
    expect(result.outcome).toBe('upgraded');
    const recorded = await fs.readFile(record, 'utf8');
    expect(recorded).toContain('kubeconfig 600');
    expect(recorded).toContain('workdir 700');
    expect(recorded).toContain('token 600');
    expect(recorded).toMatch(/tokenFile: .*\/token\n/);
    expect(recorded.split('token-before')[0]).not.toContain(api.token);
    expect(recorded).toContain(`token-after ${api.rotatedToken}`);
    expect(await fs.readdir(tempRoot)).toEqual([]);
  });

  describe('after a run of the step was killed while helm waited', () => {
    /** Starts helm for `name` waiting on a Deployment that never becomes ready (no controller), and SIGKILLs it once helm has recorded the operation. */
    async function killHelmMidway(name: string, status: string) {
      const kubeconfig = path.join(work, `${name}.kubeconfig`);
      await fs.writeFile(kubeconfig, api.kubeconfig, { mode: 0o600 });
      const home = await fs.mkdtemp(path.join(work, 'helm-home-'));
      const child = spawn(
        helm,
        [
          'upgrade',
          '--install',
          name,
          STANDIN_CHART,
          '--namespace',
          'bpa-ns',
          '--values',
          planValues,
          '--set',
          'standin.paused=false',
          '--set',
          'standin.replicas=1',
          '--wait',
          '--timeout',
          '5m',
          '--kubeconfig',
          kubeconfig,
        ],
        { env: { PATH: process.env.PATH, HOME: home }, stdio: 'ignore' },
      );
      const exited = new Promise(resolve => child.once('exit', resolve));
      for (let i = 0; ; i++) {
        const records = await api.request(
          'GET',
          `/api/v1/namespaces/bpa-ns/secrets?labelSelector=owner%3Dhelm%2Cname%3D${name}`,
        );
        if (records.items.some((r: any) => r.metadata.labels.status === status))
          break;
        if (i > 600) throw new Error(`helm never recorded ${status}`);
        await new Promise(r => setTimeout(r, 100));
      }
      child.kill('SIGKILL');
      await exited;
    }
    const uid = async (name: string) =>
      (
        await api.request(
          'GET',
          `/api/v1/namespaces/bpa-ns/configmaps/${name}-settings`,
        )
      ).metadata.uid;

    it('refuses a pending release it did not start, and installs again over an interrupted first install, taking over its objects', async () => {
      await killHelmMidway('bpa-int1', 'pending-install');
      const created = await uid('bpa-int1');

      await expect(release({ release: 'bpa-int1' })).rejects.toThrow(
        'Helm release bpa-ns/bpa-int1 has an operation in progress that this task did not start (pending-install, revision 1)',
      );
      const result = await release({
        release: 'bpa-int1',
        resumingInterruptedRun: true,
      });
      expect(result).toMatchObject({
        outcome: 'installed',
        revision: 1,
        status: 'deployed',
      });
      expect(await uid('bpa-int1')).toBe(created);
      expect(logLines.join('\n')).toContain(
        'the previous run of this step stopped during the first install (pending-install, revision 1)',
      );
    });

    it('rolls an interrupted upgrade back to the last deployed revision, which then already runs the plan', async () => {
      await release({ release: 'bpa-int2' });
      await killHelmMidway('bpa-int2', 'pending-upgrade');

      const result = await release({
        release: 'bpa-int2',
        resumingInterruptedRun: true,
      });
      // Revision 3 is the rollback to revision 1, the plan's values: nothing more to do.
      expect(result).toMatchObject({
        outcome: 'unchanged',
        revision: 3,
        status: 'deployed',
      });
      expect(logLines.join('\n')).toContain(
        'the previous run of this step stopped during helm (pending-upgrade, revision 2); rolling back to revision 1',
      );
    });
  });

  it('never wrote a token into the log', () => {
    const log = logLines.join('\n');
    expect(log).not.toContain(api.token);
    expect(log).not.toContain(api.rotatedToken);
  });
});
