import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import {
  PlanChangedError,
  planDigestOf,
  planDifferences,
  restorePlan,
} from './planDigest';
import { renderPlan } from './renderPlan';

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const artifacts = renderPlan(spec).artifacts;
const recorded = planDigestOf(artifacts);

async function writeFiles(
  dir: string,
  files: { path: string; content: string }[],
) {
  for (const file of files) {
    await fs.mkdir(path.dirname(path.join(dir, file.path)), {
      recursive: true,
    });
    await fs.writeFile(path.join(dir, file.path), file.content, 'utf8');
  }
}

async function readFiles(dir: string): Promise<Record<string, string>> {
  const entries = await fs.readdir(dir, {
    recursive: true,
    withFileTypes: true,
  });
  const files: Record<string, string> = {};
  for (const e of entries.filter(x => x.isFile())) {
    const full = path.join(e.parentPath, e.name);
    files[path.relative(dir, full)] = await fs.readFile(full, 'utf8');
  }
  return files;
}

describe('planDigestOf', () => {
  it('gives every file its SHA-256 and the plan one over all of them', () => {
    expect(Object.keys(recorded.files).sort()).toEqual(
      artifacts.map(a => a.path).sort(),
    );
    expect(recorded.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(planDigestOf(renderPlan(spec).artifacts)).toEqual(recorded);
  });

  it('changes with any byte of any file', () => {
    const changed = artifacts.map(a =>
      a.path === 'helm/values.yaml' ? { ...a, content: `${a.content} ` } : a,
    );
    const digest = planDigestOf(changed);
    expect(digest.sha256).not.toBe(recorded.sha256);
    expect(planDifferences(recorded, digest)).toEqual([
      'helm/values.yaml (differs)',
    ]);
  });
});

describe('restorePlan', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-plan-digest-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  const restore = (render = () => renderPlan(spec).artifacts) =>
    restorePlan({
      planDirectory: path.join(dir, 'bpa-plan'),
      displayDirectory: 'bpa-plan',
      recorded,
      render,
    });

  it('leaves a workspace holding the previewed plan as it is, without rendering', async () => {
    await writeFiles(path.join(dir, 'bpa-plan'), artifacts);
    const render = jest.fn(() => artifacts);

    expect(await restore(render)).toEqual([]);
    expect(render).not.toHaveBeenCalled();
  });

  it('renders the plan again into an empty workspace, byte for byte the previewed one', async () => {
    const restored = await restore();

    expect(restored.sort()).toEqual(artifacts.map(a => a.path).sort());
    expect(await readFiles(path.join(dir, 'bpa-plan'))).toEqual(
      Object.fromEntries(artifacts.map(a => [a.path, a.content])),
    );
  });

  it('renders only the files the workspace lost', async () => {
    await writeFiles(
      path.join(dir, 'bpa-plan'),
      artifacts.filter(a => !a.path.startsWith('kubernetes/')),
    );

    const restored = await restore();

    expect(restored.length).toBeGreaterThan(0);
    expect(restored.every(p => p.startsWith('kubernetes/'))).toBe(true);
  });

  it('refuses a plan file changed in the workspace, naming it, and leaves it as it is', async () => {
    await writeFiles(path.join(dir, 'bpa-plan'), artifacts);
    const file = path.join(dir, 'bpa-plan', 'cloudformation', 'network.yaml');
    await fs.appendFile(file, '\n# edited by hand\n');

    const error = await restore().catch(e => e);

    expect(error).toBeInstanceOf(PlanChangedError);
    expect(error.message).toBe(
      'The plan in the workspace is not the one previewed: bpa-plan/cloudformation/network.yaml changed after bpa:environment:plan wrote it. Nothing was applied. Run the template again to review and apply a new plan.',
    );
    expect(error.files).toEqual(['cloudformation/network.yaml']);
    expect(await fs.readFile(file, 'utf8')).toContain('# edited by hand');
  });

  it('refuses to render a lost plan when the renderers now give other bytes, naming the files, and writes nothing', async () => {
    const upgraded = () =>
      renderPlan(spec).artifacts.map(a =>
        a.path === 'helm/values.yaml'
          ? { ...a, content: a.content.replace('bpa-rel', 'bpa-release') }
          : a,
      );

    const error = await restore(upgraded).catch(e => e);

    expect(error).toBeInstanceOf(PlanChangedError);
    expect(error.message).toContain(
      `this portal renders a different one from the request than the one previewed (plan ${recorded.sha256.slice(
        0,
        12,
      )}): bpa-plan/helm/values.yaml (differs).`,
    );
    expect(error.message).toContain('Nothing was applied.');
    expect(error.files).toEqual(['helm/values.yaml']);
    await expect(fs.readdir(dir)).resolves.toEqual([]);
  });

  it('refuses a digest whose sha256 is not that of its files', async () => {
    await expect(
      restorePlan({
        planDirectory: path.join(dir, 'bpa-plan'),
        displayDirectory: 'bpa-plan',
        recorded: { ...recorded, sha256: '0'.repeat(64) },
        render: () => artifacts,
      }),
    ).rejects.toThrow('its sha256 is not that of its files');
  });
});
