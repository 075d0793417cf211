import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { nodeBootScript } from './userData';

/*
 * The boot script run for real by bash, on a fake node: the paths it
 * touches (/dev, /etc/fstab, the mount point) are moved into a temporary
 * directory, `${DataVolumeId}` is replaced as CloudFormation's Fn::Sub does,
 * and the commands that would talk to EC2 or the kernel (curl to IMDS, the
 * AWS CLI, blkid, mkfs.xfs, mount, systemctl) are stand-ins on PATH that
 * record what they were asked. `aws ec2 attach-volume` fails while the
 * previous node still holds the volume.
 */

const VOLUME_ID = 'vol-0123456789abcdef0';
const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);

interface Boot {
  status: number | null;
  stderr: string;
  log: string[];
  fstab: string;
  root: string;
}

function fakeNode() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bpa-boot-'));
  const bin = path.join(root, 'bin');
  for (const dir of ['bin', 'dev/disk/by-id', 'etc', 'opt/cni/bin', 'seed'])
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  fs.writeFileSync(path.join(root, 'opt/cni/bin/loopback'), 'from the AMI');
  fs.writeFileSync(path.join(root, 'etc/fstab'), '');
  const stub = (name: string, body: string) =>
    fs.writeFileSync(
      path.join(bin, name),
      `#!/bin/bash\necho "${name} $*" >> "$FAKE_ROOT/log"\n${body}\n`,
      { mode: 0o755 },
    );
  stub(
    'curl',
    [
      'case "$*" in',
      '  *api/token*) echo token ;;',
      '  *instance-id*) echo i-0new ;;',
      '  *placement/region*) echo us-east-1 ;;',
      'esac',
    ].join('\n'),
  );
  stub(
    'aws',
    [
      'n=$(( $(cat "$FAKE_ROOT/attempts" 2>/dev/null || echo 0) + 1 ))',
      'echo $n > "$FAKE_ROOT/attempts"',
      'if [ "$n" -le "$BUSY_ATTEMPTS" ]; then echo "VolumeInUse" >&2; exit 254; fi',
      `touch "$FAKE_ROOT/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID.replace(
        '-',
        '',
      )}"`,
    ].join('\n'),
  );
  stub(
    'blkid',
    [
      'case "$*" in',
      '  *TYPE*) cat "$FAKE_ROOT/fs-type" 2>/dev/null || true ;;',
      '  *UUID*) echo 6f1c-uuid ;;',
      'esac',
    ].join('\n'),
  );
  stub('mkfs.xfs', 'echo xfs > "$FAKE_ROOT/fs-type"');
  stub('mktemp', 'echo "$FAKE_ROOT/seed"');
  for (const name of ['mount', 'umount', 'rmdir', 'systemctl', 'sleep']) {
    stub(name, '');
  }
  stub('mountpoint', 'exit 1');
  return root;
}

function boot(root: string, busyAttempts: number): Boot {
  const script = nodeBootScript(spec, spec.cluster.nodes[0])
    .replace('${DataVolumeId}', VOLUME_ID)
    .split('/dev/')
    .join(`${root}/dev/`)
    .split('/etc/fstab')
    .join(`${root}/etc/fstab`)
    .split("'/opt")
    .join(`'${root}/opt`);
  const run = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    env: {
      HOME: root,
      PATH: `${path.join(root, 'bin')}:${process.env.PATH}`,
      FAKE_ROOT: root,
      BUSY_ATTEMPTS: String(busyAttempts),
    },
  });
  const log = fs.existsSync(path.join(root, 'log'))
    ? fs.readFileSync(path.join(root, 'log'), 'utf8').trim().split('\n')
    : [];
  fs.rmSync(path.join(root, 'log'), { force: true });
  fs.rmSync(path.join(root, 'attempts'), { force: true });
  return {
    status: run.status,
    stderr: run.stderr,
    log,
    fstab: fs.readFileSync(path.join(root, 'etc/fstab'), 'utf8'),
    root,
  };
}

describe('the node boot script', () => {
  let root: string;
  beforeEach(() => {
    root = fakeNode();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('waits until the previous node lets go of the volume, attaches it, formats it once and mounts it through fstab', () => {
    const first = boot(root, 3);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const attaches = first.log.filter(l => l.startsWith('aws '));
    expect(attaches).toHaveLength(4);
    expect(attaches[3]).toBe(
      `aws ec2 attach-volume --region us-east-1 --volume-id ${VOLUME_ID} --instance-id i-0new --device ${root}/dev/xvdb`,
    );
    expect(first.log.filter(l => l.startsWith('mkfs.xfs'))).toHaveLength(1);
    expect(first.fstab).toBe(
      `UUID=6f1c-uuid ${root}/opt xfs defaults,nofail 0 2\n`,
    );
    // The AMI's files under the mount point are put onto the volume.
    expect(
      fs.readFileSync(path.join(root, 'seed/cni/bin/loopback'), 'utf8'),
    ).toBe('from the AMI');
  });

  it('keeps the data of a volume that already has a file system: a replacement node formats nothing', () => {
    fs.writeFileSync(path.join(root, 'fs-type'), 'xfs\n');
    const replacement = boot(root, 0);
    expect(replacement.status).toBe(0);
    expect(replacement.log.some(l => l.startsWith('mkfs.xfs'))).toBe(false);
    expect(replacement.log).toContain(`mount ${root}/opt`);
  });

  it('powers the node off rather than run without its data volume', () => {
    const stuck = boot(root, 10_000);
    expect(stuck.status).toBe(1);
    expect(stuck.stderr).toContain(
      `data volume ${VOLUME_ID} could not be attached`,
    );
    expect(stuck.log).toContain('systemctl poweroff');
    expect(stuck.log.some(l => l.startsWith('mkfs.xfs'))).toBe(false);
  });

  it('is valid bash for every role', () => {
    for (const role of spec.cluster.nodes) {
      const syntax = spawnSync('bash', ['-n'], {
        input: nodeBootScript(spec, role),
      });
      expect(syntax.stderr.toString()).toBe('');
      expect(syntax.status).toBe(0);
    }
  });
});
