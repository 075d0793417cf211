import { EnvironmentSpec } from '@internal/backstage-plugin-bpa-common';
import { dataDirectoriesOf } from '../incluster/nodePreparation';

type NodeRole = EnvironmentSpec['cluster']['nodes'][number];

/** Where the launch template attaches the data volume (Nitro instances show it as NVMe; udev links this name). */
export const DATA_VOLUME_DEVICE = '/dev/xvdb';

const MIME_BOUNDARY = '==BPA-NODE-PREPARATION==';

/** Quotes a value for a POSIX shell, whatever it contains. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The node preparation the guide does by hand on each node, as a shell
 * script: format the data volume once (xfs), mount it at the data mount path
 * through fstab (by UUID, `nofail` so a missing volume never blocks boot),
 * create this node's data directories and their parents (mode 0777, as
 * BPA's pods run as various users) and raise `vm.max_map_count` for Elasticsearch, persistently.
 */
export function nodePreparationScript(
  spec: EnvironmentSpec,
  role: NodeRole,
): string {
  const { dataMountPath, dataRoot, maxMapCount } = spec.cluster;
  const mountPoint = shellQuote(dataMountPath);
  // The same directories, parents included, as the in-cluster preparation; quoted whatever they contain.
  const directories = dataDirectoriesOf(role).map(directory =>
    shellQuote(`${dataRoot}/${directory}`),
  );
  return [
    '#!/bin/bash',
    `# BPA node preparation for ${role.name}. cloud-init runs this before nodeadm starts kubelet.`,
    'set -euo pipefail',
    '',
    `for _ in $(seq 1 90); do [ -e ${DATA_VOLUME_DEVICE} ] && break; sleep 2; done`,
    `DEVICE=$(readlink -f ${DATA_VOLUME_DEVICE})`,
    'if [ -z "$(blkid -o value -s TYPE "$DEVICE" || true)" ]; then',
    '  mkfs.xfs -q "$DEVICE"',
    '  # Keep what the AMI ships under the mount point (e.g. /opt/cni/bin): copy it onto the new file system.',
    `  if [ -d ${mountPoint} ]; then`,
    '    SEED=$(mktemp -d)',
    '    mount "$DEVICE" "$SEED"',
    `    cp -a ${shellQuote(`${dataMountPath}/.`)} "$SEED/"`,
    '    umount "$SEED"',
    '    rmdir "$SEED"',
    '  fi',
    'fi',
    'UUID=$(blkid -o value -s UUID "$DEVICE")',
    `mkdir -p ${mountPoint}`,
    'if ! grep -q "^UUID=$UUID " /etc/fstab; then',
    `  printf '%s %s xfs defaults,nofail 0 2\\n' "UUID=$UUID" ${mountPoint} >> /etc/fstab`,
    'fi',
    'systemctl daemon-reload',
    `mountpoint -q ${mountPoint} || mount ${mountPoint}`,
    '',
    ...directories.flatMap(d => [`mkdir -p ${d}`, `chmod 0777 ${d}`]),
    '',
    `echo 'vm.max_map_count=${maxMapCount}' > /etc/sysctl.d/90-bpa.conf`,
    'sysctl -p /etc/sysctl.d/90-bpa.conf',
    '',
  ].join('\n');
}

/**
 * User data of a node's launch template: a MIME multi-part document, the form
 * EKS requires so it can add its own nodeadm configuration part when merging.
 */
export function nodeUserData(spec: EnvironmentSpec, role: NodeRole): string {
  return [
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"`,
    '',
    `--${MIME_BOUNDARY}`,
    'Content-Type: text/x-shellscript; charset="us-ascii"',
    '',
    nodePreparationScript(spec, role),
    `--${MIME_BOUNDARY}--`,
    '',
  ].join('\n');
}
