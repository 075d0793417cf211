import fs from 'node:fs';
import {
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import { fakeNode } from '@internal/backstage-plugin-bpa-test-utils';
import { renderNodePreparationScript } from './nodePreparation';

/** The reference deployment's directories (DESIGN.md), with the parents they need. */
const DESIGN_DIRECTORIES: Record<string, string[]> = {
  'node-1': ['zookeeper1', 'zookeeper4', 'zookeeper5', 'kafka1'],
  'node-2': ['zookeeper2', 'zookeeper4', 'zookeeper5', 'kafka2'],
  'node-3': ['zookeeper3', 'zookeeper4', 'zookeeper5', 'kafka3'],
  'node-4': ['elk', 'metrices', 'metrices/prometheus', 'metrices/grafana'],
};
const allWritable = (dirs: string[]) =>
  Object.fromEntries(dirs.map(dir => [dir, '777']));

describe('renderNodePreparationScript', () => {
  const node = fakeNode();
  const dataRoot = `${node.mountPath}/bpa/data`;
  // The reference request, with the node's disk in a temporary directory.
  const spec = parseEnvironmentSpec({
    ...REFERENCE_SPEC_INPUT,
    cluster: { dataMountPath: node.mountPath, dataRoot },
  });
  // Each test starts from an empty disk.
  beforeEach(() => fs.rmSync(dataRoot, { recursive: true, force: true }));
  afterAll(() => node.remove());

  it('writes one shell script per node role', () => {
    const scripts = renderNodePreparationScript(
      parseEnvironmentSpec(REFERENCE_SPEC_INPUT),
    );
    expect(scripts.map(s => [s.path, s.kind])).toEqual([
      ['nodes/node-1/prepare.sh', 'shell'],
      ['nodes/node-2/prepare.sh', 'shell'],
      ['nodes/node-3/prepare.sh', 'shell'],
      ['nodes/node-4/prepare.sh', 'shell'],
    ]);
    for (const script of scripts) {
      expect(script.content).toMatch(/^#!\/bin\/sh\n/);
      expect(script.content).toContain(`DATA_ROOT='/opt/bpa/data'`);
    }
  });

  it.each(Object.keys(DESIGN_DIRECTORIES))(
    'prepares %s: exactly its directories, mode 0777, and vm.max_map_count',
    async role => {
      const script = renderNodePreparationScript(spec).find(
        s => s.path === `nodes/${role}/prepare.sh`,
      )!;
      const run = await node.run(script.content, dataRoot, 65530);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.directories).toEqual(allWritable(DESIGN_DIRECTORIES[role]));
      expect(run.sysctlWrites).toEqual(['-w vm.max_map_count=262144']);
      expect(run.markerCreated).toBe(true);

      const again = await node.run(script.content, dataRoot, 262144);
      expect(again.code).toBe(0);
      expect(again.directories).toEqual(allWritable(DESIGN_DIRECTORIES[role]));
      expect(again.sysctlWrites).toEqual([]);
    },
  );

  it('never lowers a higher vm.max_map_count', async () => {
    const [script] = renderNodePreparationScript(spec);
    const run = await node.run(script.content, dataRoot, 1048576);
    expect(run.code).toBe(0);
    expect(run.sysctlWrites).toEqual([]);
    expect(run.stdout).toContain('vm.max_map_count is 1048576');
  });

  it('repairs the mode of a directory that exists with another one', async () => {
    fs.mkdirSync(`${dataRoot}/metrices`, { recursive: true, mode: 0o755 });
    fs.chmodSync(`${dataRoot}/metrices`, 0o755);
    const script = renderNodePreparationScript(spec)[3];
    const run = await node.run(script.content, dataRoot, 262144);
    expect(run.directories).toEqual(allWritable(DESIGN_DIRECTORIES['node-4']));
  });

  it('follows the configured directories and limits', async () => {
    const custom = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      cluster: {
        dataMountPath: node.mountPath,
        dataRoot: `${node.mountPath}/custom`,
        maxMapCount: 300000,
        nodes: spec.cluster.nodes.map(role =>
          role.name === 'node-1'
            ? { ...role, dataDirectories: ['kafka-logs', 'elk/data.1'] }
            : role,
        ),
      },
    });
    const [script] = renderNodePreparationScript(custom);
    const run = await node.run(
      script.content,
      `${node.mountPath}/custom`,
      65530,
    );
    expect(run.code).toBe(0);
    expect(run.directories).toEqual(
      allWritable(['kafka-logs', 'elk', 'elk/data.1']),
    );
    expect(run.sysctlWrites).toEqual(['-w vm.max_map_count=300000']);
  });

  it('is the same bytes for the same request', () => {
    expect(
      renderNodePreparationScript(parseEnvironmentSpec(REFERENCE_SPEC_INPUT)),
    ).toEqual(
      renderNodePreparationScript(parseEnvironmentSpec(REFERENCE_SPEC_INPUT)),
    );
  });
});
