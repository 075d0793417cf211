import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Entity } from '@backstage/catalog-model';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { EnvironmentSpec } from '@internal/backstage-plugin-bpa-common';
import { createRegisterEnvironmentAction } from '../actions/registerEnvironment';

/** The environment's System exactly as bpa:catalog:register writes it for the catalog. */
export async function registeredSystem(spec: EnvironmentSpec): Promise<Entity> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-registered-'));
  try {
    await createRegisterEnvironmentAction({
      entitiesDirectory: directory,
    }).handler(
      createMockActionContext({
        workspacePath: directory,
        input: { spec: JSON.parse(JSON.stringify(spec)), state: 'applied' },
      }) as any,
    );
    const text = await fs.readFile(
      path.join(directory, `${spec.name}.yaml`),
      'utf8',
    );
    return parseAllDocuments(text)
      .map(d => d.toJS() as Entity)
      .find(e => e.kind === 'System')!;
  } finally {
    await fs.rm(directory, { recursive: true, force: true });
  }
}
