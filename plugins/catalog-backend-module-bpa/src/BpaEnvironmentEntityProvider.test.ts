import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ANNOTATION_LOCATION } from '@backstage/catalog-model';
import { EntityProviderConnection } from '@backstage/plugin-catalog-node';
import { BpaEnvironmentEntityProvider } from './BpaEnvironmentEntityProvider';

const system = (name: string) => `apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: ${name}
spec:
  owner: group:default/platform-team
`;
const resource = (name: string) => `apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: ${name}-eks
spec:
  type: kubernetes-cluster
  owner: group:default/platform-team
  system: ${name}
`;

describe('BpaEnvironmentEntityProvider', () => {
  let directory: string;
  let provider: BpaEnvironmentEntityProvider;
  const applyMutation = jest.fn();
  const connection: EntityProviderConnection = {
    applyMutation,
    refresh: jest.fn(),
  };
  const logger = mockServices.logger.mock();

  beforeEach(async () => {
    directory = path.join(
      await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-provider-')),
      'environments',
    );
    applyMutation.mockReset();
    provider = new BpaEnvironmentEntityProvider({ directory, logger });
  });
  afterEach(async () => {
    provider.close();
    await fs.rm(path.dirname(directory), { recursive: true, force: true });
  });

  const lastMutation = () => applyMutation.mock.calls.at(-1)?.[0];
  const names = () =>
    lastMutation()
      .entities.map((e: any) => `${e.entity.kind}:${e.entity.metadata.name}`)
      .sort();

  it('creates its directory and provides nothing when no environment exists', async () => {
    await provider.connect(connection);
    expect(await fs.readdir(directory)).toEqual([]);
    expect(lastMutation()).toEqual({ type: 'full', entities: [] });
  });

  it('provides every environment file, each entity tied to its file', async () => {
    await fs.mkdir(directory, { recursive: true });
    await fs.writeFile(
      path.join(directory, 'alpha.yaml'),
      `${system('alpha')}---\n${resource('alpha')}`,
    );
    await fs.writeFile(path.join(directory, 'beta.yaml'), system('beta'));
    await fs.writeFile(path.join(directory, 'notes.txt'), 'ignored');
    await provider.connect(connection);

    expect(names()).toEqual(['Resource:alpha-eks', 'System:alpha', 'System:beta']);
    const alpha = lastMutation().entities.find(
      (e: any) => e.entity.metadata.name === 'alpha',
    );
    expect(alpha.locationKey).toBe(
      `bpa-environments:${path.join(directory, 'alpha.yaml')}`,
    );
    expect(alpha.entity.metadata.annotations[ANNOTATION_LOCATION]).toBe(
      `file:${path.join(directory, 'alpha.yaml')}`,
    );
  });

  it('skips a broken file with a warning and keeps the others', async () => {
    await fs.mkdir(directory, { recursive: true });
    await fs.writeFile(path.join(directory, 'good.yaml'), system('good'));
    await fs.writeFile(path.join(directory, 'bad.yaml'), 'kind: [unclosed');
    await provider.connect(connection);
    expect(names()).toEqual(['System:good']);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('bad.yaml'),
    );
  });

  it('picks up a new environment and drops a removed one as the directory changes', async () => {
    await provider.connect(connection);
    await fs.writeFile(path.join(directory, 'gamma.yaml'), system('gamma'));
    await waitFor(() => names().includes('System:gamma'));
    await fs.rm(path.join(directory, 'gamma.yaml'));
    await waitFor(() => names().length === 0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise(r => setTimeout(r, 50));
  }
}
