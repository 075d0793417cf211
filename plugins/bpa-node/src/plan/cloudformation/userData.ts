import { EnvironmentSpec } from '@internal/backstage-plugin-bpa-common';

type NodeRole = EnvironmentSpec['cluster']['nodes'][number];

/** The device name the boot script attaches the data volume as (Nitro instances show it as NVMe; udev links this name). */
export const DATA_VOLUME_DEVICE = '/dev/xvdb';

/** The `Fn::Sub` variable of the boot script that CloudFormation replaces with the role's volume id. */
export const DATA_VOLUME_VARIABLE = 'DataVolumeId';

/** How long a new node waits for its data volume: the node it replaces must first be drained and terminated. */
const ATTACH_ATTEMPTS = 240;
const ATTACH_INTERVAL_SECONDS = 5;

const MIME_BOUNDARY = '==BPA-NODE-PREPARATION==';

/** Quotes a value for a POSIX shell, whatever it contains. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * What a node must do before kubelet starts, and only that: attach its
 * role's data volume (which outlives the node), format it the first time
 * only, and mount it at the data mount path through fstab (by UUID,
 * `nofail`). The data directories and `vm.max_map_count` are left to the
 * preparation DaemonSet, which does them on every node it runs on: here
 * they would only make a change to them replace every node.
 *
 * The text is an `Fn::Sub` body: `${DataVolumeId}` is the only `${` in it.
 */
export function nodeBootScript(spec: EnvironmentSpec, role: NodeRole): string {
  const { dataMountPath } = spec.cluster;
  const mountPoint = shellQuote(dataMountPath);
  return [
    '#!/bin/bash',
    `# BPA node ${role.name}: attaches and mounts its data volume. cloud-init runs this before nodeadm starts kubelet.`,
    'set -euo pipefail',
    '',
    `VOLUME_ID='\${${DATA_VOLUME_VARIABLE}}'`,
    'IMDS=http://169.254.169.254/latest',
    'TOKEN=$(curl -sS -X PUT -H \'X-aws-ec2-metadata-token-ttl-seconds: 300\' "$IMDS/api/token")',
    'imds() { curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/$1"; }',
    'INSTANCE_ID=$(imds instance-id)',
    'REGION=$(imds placement/region)',
    '# Nitro instances name the volume by its id (without the dash); others by the device name given.',
    'BY_ID=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_$(echo "$VOLUME_ID" | tr -d -)',
    `device() { if [ -e "$BY_ID" ]; then echo "$BY_ID"; elif [ -e ${DATA_VOLUME_DEVICE} ]; then echo ${DATA_VOLUME_DEVICE}; fi; }`,
    '# The node this one replaces holds the volume until it is terminated (the node group updates with UpdateStrategy MINIMAL).',
    `for _ in $(seq 1 ${ATTACH_ATTEMPTS}); do`,
    '  [ -n "$(device)" ] && break',
    `  aws ec2 attach-volume --region "$REGION" --volume-id "$VOLUME_ID" --instance-id "$INSTANCE_ID" --device ${DATA_VOLUME_DEVICE} >/dev/null 2>&1 || true`,
    `  sleep ${ATTACH_INTERVAL_SECONDS}`,
    'done',
    'if [ -z "$(device)" ]; then',
    "  # Without its volume the node must not run BPA's pods: stop, and let the node group replace the instance.",
    '  echo "data volume $VOLUME_ID could not be attached; powering off" >&2',
    '  systemctl poweroff',
    '  exit 1',
    'fi',
    'DEVICE=$(readlink -f "$(device)")',
    '',
    '# Formatted once: a volume that already holds a file system keeps its data.',
    'if [ -z "$(blkid -o value -s TYPE "$DEVICE" || true)" ]; then',
    '  mkfs.xfs -q "$DEVICE"',
    'fi',
    "# What the AMI ships under the mount point (e.g. /opt/cni/bin) goes onto the volume at every boot, so this node's AMI wins over the previous node's.",
    `if [ -d ${mountPoint} ]; then`,
    '  SEED=$(mktemp -d)',
    '  mount "$DEVICE" "$SEED"',
    `  cp -a ${shellQuote(`${dataMountPath}/.`)} "$SEED/"`,
    '  umount "$SEED"',
    '  rmdir "$SEED"',
    'fi',
    'UUID=$(blkid -o value -s UUID "$DEVICE")',
    `mkdir -p ${mountPoint}`,
    'if ! grep -q "^UUID=$UUID " /etc/fstab; then',
    `  printf '%s %s xfs defaults,nofail 0 2\\n' "UUID=$UUID" ${mountPoint} >> /etc/fstab`,
    'fi',
    'systemctl daemon-reload',
    `mountpoint -q ${mountPoint} || mount ${mountPoint}`,
    '',
  ].join('\n');
}

/**
 * User data of a node's launch template, as an `Fn::Sub` body: a MIME
 * multi-part document (the form EKS requires so it can add its own nodeadm
 * configuration part when merging) holding {@link nodeBootScript}.
 */
export function nodeUserData(spec: EnvironmentSpec, role: NodeRole): string {
  return [
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"`,
    '',
    `--${MIME_BOUNDARY}`,
    'Content-Type: text/x-shellscript; charset="us-ascii"',
    '',
    nodeBootScript(spec, role),
    `--${MIME_BOUNDARY}--`,
    '',
  ].join('\n');
}
