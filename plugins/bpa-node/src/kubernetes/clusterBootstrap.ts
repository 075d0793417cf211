import { InputError } from '@backstage/errors';
import { describeReference, Reference } from '../plan/incluster';
import {
  canKeepSelfSigned,
  certificateFacts,
  CertificateFacts,
  checkProvidedCertificate,
  generateSelfSignedCertificate,
  isPortalSelfSigned,
  TlsCertificate,
} from './certificate';
import {
  AppliedObject,
  applyObjects,
  InClusterStepOptions,
  loadManifest,
} from './apply';
import { describeObject, KubeObject } from './client';
import { assignNodeRoles, labelOwners } from './nodeRoles';
import {
  fillReferences,
  isSecretReference,
  PLAN_FILES,
  PlanFile,
  readPlanFile,
  referencesIn,
} from './planFiles';
import { formatDuration, pollUntil, runOnce } from './progress';
import { ReferenceValues } from './referenceValues';
import { fillSecret, needsCertificate, secretNeeds } from './secretValues';

export interface ClusterBootstrapOptions extends InClusterStepOptions {
  /** Resolves the plan's references (Secrets Manager, stack outputs). */
  values: ReferenceValues;
  /** The certificate given with the request, when `ingress.certificate` is `provided`. */
  providedCertificate?: TlsCertificate;
  /** How long node preparation may take. Default 15 minutes. */
  nodePreparationTimeoutMs?: number;
}

export interface ClusterBootstrapResult {
  namespace: string;
  /** Node names by role. */
  nodes: Record<string, string[]>;
  /** Nodes whose role labels the step set, and who had set them before. */
  labelledNodes: Array<{
    node: string;
    labels: Record<string, string>;
    previousOwners: string[];
  }>;
  objects: AppliedObject[];
  certificate: CertificateFacts & {
    /** provided: given with the request; self-signed: made by the portal; existing: found in the cluster, not made by the portal. */
    origin: 'provided' | 'self-signed' | 'existing';
    selfSigned: boolean;
  };
}

const DEFAULT_NODE_PREPARATION_TIMEOUT_MS = 15 * 60 * 1000;
const ROLE_LABEL = 'bpa.cisco.com/node-role';

/** Gives every BPA node its role labels; fails when a role has no node. */
async function labelNodes(options: InClusterStepOptions) {
  const nodes = await options.client.list('v1', 'Node');
  const { assignments, rolesWithoutNodes } = assignNodeRoles(
    options.spec,
    nodes,
  );
  if (rolesWithoutNodes.length > 0) {
    const seen = nodes
      .map(n => {
        const labels = n.metadata.labels ?? {};
        return `${n.metadata.name} (node group ${
          labels['eks.amazonaws.com/nodegroup'] ?? '-'
        }, name ${labels.name ?? '-'})`;
      })
      .join('; ');
    throw new Error(
      `No node for role(s) ${rolesWithoutNodes.join(', ')} in ${
        options.client.connection.displayName
      }: each role needs a node of node group <role> or ${
        options.spec.name
      }-<role>, or one already labelled with the role's labels. Nodes: ${
        seen || 'none'
      }`,
    );
  }
  const labelledNodes: ClusterBootstrapResult['labelledNodes'] = [];
  for (const a of assignments) {
    if (Object.keys(a.missingLabels).length === 0) continue;
    const node = nodes.find(n => n.metadata.name === a.node)!;
    const previousOwners = [
      ...new Set(
        Object.keys(a.missingLabels)
          .filter(key => node.metadata.labels?.[key] !== undefined)
          .flatMap(key => labelOwners(node, key)),
      ),
    ];
    // The role labels are the portal's: BPA schedules on them, so they are taken over.
    await options.client.apply(
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: a.node, labels: a.missingLabels },
      },
      { force: true },
    );
    const was = Object.keys(a.missingLabels)
      .filter(key => node.metadata.labels?.[key] !== undefined)
      .map(key => `${key}=${node.metadata.labels![key]}`);
    options.logger[was.length > 0 ? 'warn' : 'info'](
      `Node ${a.node} (role ${a.role}, by ${a.by}): set ${Object.entries(
        a.missingLabels,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}${
        was.length > 0
          ? `, replacing ${was.join(', ')} set by ${
              previousOwners.join(', ') || 'unknown'
            }`
          : ''
      }`,
    );
    labelledNodes.push({
      node: a.node,
      labels: a.missingLabels,
      previousOwners,
    });
  }
  const byRole: Record<string, string[]> = {};
  for (const role of options.spec.cluster.nodes) {
    byRole[role.name] = assignments
      .filter(a => a.role === role.name)
      .map(a => a.node);
  }
  options.logger.info(
    `Node roles: ${Object.entries(byRole)
      .map(([role, names]) => `${role}=${names.join('+')}`)
      .join(', ')}`,
  );
  return { nodes: byRole, labelledNodes };
}

function usableCertificate(tls: TlsCertificate, hostname?: string): boolean {
  try {
    checkProvidedCertificate(tls, { hostname });
    return true;
  } catch {
    return false;
  }
}

function decodeTls(secret: KubeObject | undefined): TlsCertificate | undefined {
  const data = secret?.data as Record<string, string> | undefined;
  if (!data?.['tls.crt'] || !data?.['tls.key']) return undefined;
  return {
    certificate: Buffer.from(data['tls.crt'], 'base64').toString(),
    privateKey: Buffer.from(data['tls.key'], 'base64').toString(),
  };
}

/**
 * The ingress certificate: the one given with the request, else the
 * portal's self-signed one already in the cluster (so re-running changes
 * nothing), else a new self-signed one, flagged as such.
 */
async function ingressCertificate(
  options: ClusterBootstrapOptions,
  secret: KubeObject,
): Promise<{
  tls: TlsCertificate;
  origin: ClusterBootstrapResult['certificate']['origin'];
}> {
  const hostname = options.spec.ingress.hostname;
  if (options.spec.ingress.certificate === 'provided') {
    const given = options.providedCertificate;
    if (!given) {
      throw new InputError(
        'ingress.certificate is "provided" but no certificate and key were given with the request',
      );
    }
    for (const warning of checkProvidedCertificate(given, { hostname }))
      options.logger.warn(warning);
    return { tls: given, origin: 'provided' };
  }
  const existing = decodeTls(await options.client.read(secret));
  options.masker.add(existing?.privateKey);
  if (existing && isPortalSelfSigned(existing.certificate)) {
    if (canKeepSelfSigned(existing, { hostname }))
      return { tls: existing, origin: 'self-signed' };
  } else if (existing && usableCertificate(existing, hostname)) {
    options.logger.warn(
      `Secret ${describeObject(
        secret,
      )} holds a certificate the portal did not make (${
        certificateFacts(existing.certificate).subject
      }); keeping it. Set ingress.certificate to "provided" to manage it through the portal.`,
    );
    return { tls: existing, origin: 'existing' };
  }
  const tls = generateSelfSignedCertificate({
    commonName: hostname ?? `${options.spec.name}-bpa-ingress`,
    dnsNames: hostname ? [hostname] : [],
  });
  return { tls, origin: 'self-signed' };
}

/** Readiness of each node preparation DaemonSet: done once every node of its role runs the current template, Ready. */
export function nodePreparationStatus(
  daemonSets: Array<{ role: string; object: KubeObject | undefined }>,
  expectedNodes: Record<string, number>,
): { done: boolean; progress: string } {
  let done = true;
  const parts = daemonSets.map(({ role, object }) => {
    const status = (object?.status ?? {}) as Record<string, number | undefined>;
    const expected = expectedNodes[role] ?? 1;
    const desired = status.desiredNumberScheduled ?? 0;
    const ready = status.numberReady ?? 0;
    const current =
      (status.observedGeneration ?? 0) >= (object?.metadata.generation ?? 1) &&
      (status.updatedNumberScheduled ?? 0) === desired;
    const roleDone =
      !!object && current && desired >= expected && ready === desired;
    if (!roleDone) done = false;
    return `${role} ${Math.min(ready, desired)}/${Math.max(
      desired,
      expected,
    )} ready${current ? '' : ' (updating)'}`;
  });
  return { done, progress: parts.join(', ') };
}

async function waitForNodePreparation(
  options: ClusterBootstrapOptions,
  daemonSets: KubeObject[],
  nodes: Record<string, string[]>,
) {
  const expected = Object.fromEntries(
    Object.entries(nodes).map(([role, n]) => [role, n.length]),
  );
  const roleOf = (ds: KubeObject) =>
    ds.metadata.labels?.[ROLE_LABEL] ?? ds.metadata.name;
  const timeoutMs =
    options.nodePreparationTimeoutMs ?? DEFAULT_NODE_PREPARATION_TIMEOUT_MS;
  const namespace = daemonSets[0]?.metadata.namespace;
  await pollUntil({
    what: 'Node preparation',
    logger: options.logger,
    timeoutMs,
    intervalMs: options.pollIntervalMs ?? 5000,
    check: async () =>
      nodePreparationStatus(
        await Promise.all(
          daemonSets.map(async ds => ({
            role: roleOf(ds),
            object: await options.client.read(ds),
          })),
        ),
        expected,
      ),
    onTimeout: async progress =>
      new Error(
        `Node preparation did not finish within ${formatDuration(
          timeoutMs,
        )}: ${progress}. Look at its pods: kubectl -n ${namespace} get pods -l app.kubernetes.io/name=bpa-node-prep -o wide`,
      ),
  });
}

/**
 * `bpa:kubernetes:bootstrap`: the namespaces, node role labels, custom pod
 * networking, the default StorageClass, node preparation (waited for) and
 * the Secrets, from the plan
 * files, with only their documented placeholders filled in.
 */
export async function bootstrapCluster(
  options: ClusterBootstrapOptions,
): Promise<ClusterBootstrapResult> {
  const { spec } = options;
  const checkpoint = options.checkpoint ?? runOnce;
  const env = spec.name;
  const namespaces = await loadManifest(options, PLAN_FILES.namespaces);
  const eniConfigs = await loadManifest(options, PLAN_FILES.eniConfigs);
  const storageClass = await loadManifest(options, PLAN_FILES.storageClass);
  const nodePreparation = await loadManifest(
    options,
    PLAN_FILES.nodePreparation,
  );
  const secrets = await loadManifest(options, PLAN_FILES.secrets);

  // Every value the files need, read once; the secret ones are masked from here on.
  const needs = secrets.objects
    .filter(o => o.kind === 'Secret')
    .map(secretNeeds);
  const planFiles = new Map<string, PlanFile>();
  for (const planPath of new Set(needs.flatMap(n => n.planPaths))) {
    planFiles.set(
      planPath,
      await readPlanFile(options.planDirectory, planPath),
    );
  }
  const refs = new Map<string, Reference>();
  for (const ref of [
    ...referencesIn([
      namespaces.file,
      eniConfigs.file,
      storageClass.file,
      nodePreparation.file,
      ...planFiles.values(),
    ]),
    ...needs.flatMap(n => n.refs),
  ]) {
    refs.set(describeReference(ref), ref);
  }
  const values = await options.values.resolve([...refs.values()]);
  for (const [id, ref] of refs)
    if (isSecretReference(ref)) options.masker.add(values.get(id));

  const objects: AppliedObject[] = [];
  const applyFile = async (loaded: { file: PlanFile; objects: KubeObject[] }) =>
    objects.push(
      ...(await checkpoint(
        `bpa-kubernetes-${env}-${loaded.file.path}-${loaded.file.digest}`,
        () => applyObjects(options, fillReferences(loaded.objects, values)),
      )),
    );

  await applyFile(namespaces);
  const { nodes, labelledNodes } = await checkpoint(
    `bpa-kubernetes-${env}-node-labels`,
    () => labelNodes(options),
  );
  await applyFile(eniConfigs);
  await applyFile(storageClass);
  await applyFile(nodePreparation);

  const tlsSecret = secrets.objects.find(needsCertificate);
  if (!tlsSecret)
    throw new Error(
      `${PLAN_FILES.secrets} has no Secret for the ingress certificate`,
    );
  const { tls, origin } = await ingressCertificate(options, tlsSecret);
  options.masker.add(tls.privateKey);
  const facts = certificateFacts(tls.certificate);
  const selfSigned = origin === 'self-signed';
  if (selfSigned) {
    options.logger.warn(
      `SELF-SIGNED ingress certificate in Secret ${describeObject(
        tlsSecret,
      )} (${facts.subject}, valid until ${facts.notAfter}, SHA-256 ${
        facts.sha256Fingerprint
      }): browsers will warn. Provide a certificate (ingress.certificate: provided) before production use.`,
    );
  }
  const filledSecrets = secrets.objects.map(object =>
    object.kind === 'Secret'
      ? fillSecret(object, {
          values,
          planFiles,
          certificate: needsCertificate(object)
            ? { 'tls.crt': tls.certificate, 'tls.key': tls.privateKey }
            : undefined,
        })
      : object,
  );
  objects.push(
    ...(await checkpoint(
      `bpa-kubernetes-${env}-${secrets.file.path}-${secrets.file.digest}`,
      () => applyObjects(options, filledSecrets),
    )),
  );

  const daemonSets = fillReferences(nodePreparation.objects, values).filter(
    o => o.kind === 'DaemonSet',
  );
  await checkpoint(
    `bpa-kubernetes-${env}-node-preparation-ready-${nodePreparation.file.digest}`,
    () => waitForNodePreparation(options, daemonSets, nodes),
  );

  return {
    namespace: spec.bpa.namespace,
    nodes,
    labelledNodes,
    objects,
    certificate: { ...facts, origin, selfSigned },
  };
}
