import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { testHelmBinary } from '@internal/backstage-plugin-bpa-test-utils';
import { findHelmBinary } from './helmBinary';

describe('findHelmBinary', () => {
  const originalPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = originalPath;
  });

  it('runs the configured binary and reports its version', async () => {
    const helm = await findHelmBinary(testHelmBinary());
    expect(helm.version).toMatch(/^v3\.\d+\.\d+/);
  });

  it('finds helm on the PATH', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-helm-path-'));
    try {
      await fs.symlink(testHelmBinary(), path.join(dir, 'helm'));
      process.env.PATH = dir;
      expect((await findHelmBinary()).path).toBe(path.join(dir, 'helm'));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('says what to do when helm is missing', async () => {
    process.env.PATH = '/nonexistent';
    await expect(findHelmBinary()).rejects.toThrow(
      "Helm is not installed: no `helm` on the backend's PATH. Install Helm 3 or set bpa.helm.binary",
    );
    await expect(findHelmBinary('/opt/nowhere/helm')).rejects.toThrow(
      'Helm at /opt/nowhere/helm (bpa.helm.binary) does not run',
    );
  });

  it('refuses a helm that is not Helm 3', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-helm4-'));
    try {
      const fake = path.join(dir, 'helm');
      await fs.writeFile(fake, '#!/bin/sh\necho v4.0.0+g1234\n', {
        mode: 0o755,
      });
      await expect(findHelmBinary(fake)).rejects.toThrow(
        'is v4.0.0+g1234; the BPA release needs Helm 3',
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
