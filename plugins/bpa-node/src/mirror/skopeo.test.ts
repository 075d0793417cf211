import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { testSkopeoBinary } from '@internal/backstage-plugin-bpa-test-utils';
import { checkSkopeo, findSkopeoBinary } from './skopeo';

describe('findSkopeoBinary and checkSkopeo (for a preflight)', () => {
  const originalPath = process.env.PATH;
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-skopeo-bin-'));
  });
  afterAll(async () => {
    process.env.PATH = originalPath;
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('runs the configured skopeo and reports its version', async () => {
    const found = await findSkopeoBinary(testSkopeoBinary());
    expect(found).toEqual({
      path: testSkopeoBinary(),
      version: expect.stringMatching(/^1\.\d+\.\d+$/),
    });
    expect(await checkSkopeo(testSkopeoBinary())).toEqual({
      ok: true,
      ...found,
    });
  });

  it('finds skopeo on the PATH', async () => {
    const onPath = path.join(dir, 'path');
    await fs.mkdir(onPath);
    await fs.symlink(testSkopeoBinary(), path.join(onPath, 'skopeo'));
    process.env.PATH = onPath;
    try {
      expect((await findSkopeoBinary()).path).toBe(path.join(onPath, 'skopeo'));
    } finally {
      process.env.PATH = originalPath;
    }
  });

  it('says what to do when skopeo is missing, broken or too old', async () => {
    process.env.PATH = '/nonexistent';
    try {
      expect(await checkSkopeo()).toEqual({
        ok: false,
        problem:
          "skopeo is not installed: no `skopeo` on the backend's PATH. Install skopeo (Debian/Ubuntu: apt-get install skopeo) or set bpa.skopeo.binary in app-config to its path.",
      });
    } finally {
      process.env.PATH = originalPath;
    }
    expect(await checkSkopeo('/opt/nowhere/skopeo')).toMatchObject({
      ok: false,
      problem: expect.stringMatching(
        /^skopeo at \/opt\/nowhere\/skopeo \(bpa\.skopeo\.binary\) does not run/,
      ),
    });
    const old = path.join(dir, 'skopeo-old');
    await fs.writeFile(old, '#!/bin/sh\necho "skopeo version 1.4.1"\n', {
      mode: 0o755,
    });
    await expect(findSkopeoBinary(old)).rejects.toThrow(
      `skopeo at ${old} is 1.4.1; the mirror needs 1.9.0 or later`,
    );
  });
});
