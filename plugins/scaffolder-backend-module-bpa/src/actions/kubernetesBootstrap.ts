import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  bootstrapCluster,
  checkProvidedCertificate,
  ensurePostgresSecrets,
  PLAN_FILES,
  postgresSecrets,
  readPlanFile,
  ReferenceValuesFactory,
  SecretsManagerFactory,
  TlsCertificate,
} from '@internal/backstage-plugin-bpa-node';
import { examples } from './kubernetesBootstrap.examples';
import {
  InClusterActionOptions,
  inClusterStep,
  masked,
} from './inClusterCommon';
import { planDigestInput, planDirectoryInput, specInput } from './util';

export interface KubernetesBootstrapActionOptions
  extends InClusterActionOptions {
  /** Resolves the plan's references: passwords in Secrets Manager, stack outputs. */
  referenceValues: ReferenceValuesFactory;
  /** Where missing PostgreSQL passwords are generated into. */
  secretsManager: SecretsManagerFactory;
}

const DEFAULT_TIMEOUT_MINUTES = 15;

/** The certificate given with the request, when the spec says `provided`: its key always a task secret. */
function providedCertificate(
  given: { certificate?: string; secrets?: Record<string, string> },
  names: { certificate: string; key: string },
  hostname: string | undefined,
): TlsCertificate {
  const certificate = given.certificate || given.secrets?.[names.certificate];
  const privateKey = given.secrets?.[names.key];
  if (!certificate || !privateKey) {
    throw new InputError(
      `ingress.certificate is "provided": give the PEM certificate (input certificate, or task secret ${names.certificate}) and its private key (task secret ${names.key})`,
    );
  }
  const tls = { certificate, privateKey };
  checkProvidedCertificate(tls, { hostname });
  return tls;
}

/**
 * `bpa:kubernetes:bootstrap` — prepares the environment's cluster from the
 * plan: namespaces, node role labels, custom pod networking, node
 * preparation (waited for), and the Secrets BPA reads (environment.txt,
 * database and MongoDB bindings, ingress TLS), their values read from
 * Secrets Manager and the stacks at apply time. BPA's PostgreSQL passwords
 * are generated into Secrets Manager first, when missing.
 */
export function createKubernetesBootstrapAction(
  options: KubernetesBootstrapActionOptions,
) {
  return createTemplateAction({
    id: 'bpa:kubernetes:bootstrap',
    description:
      "Generates BPA's PostgreSQL passwords into Secrets Manager when missing (never rotated), then applies the plan's Kubernetes manifests to the environment's cluster: namespaces, node labels name=node-N, ENIConfigs, the default gp3 StorageClass, node preparation DaemonSets (waits until every node is prepared), and the Secrets (environment.txt, PostgreSQL and MongoDB bindings, ingress TLS certificate).",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        spec: specInput,
        planDirectory: planDirectoryInput,
        planDigest: planDigestInput,
        kubeconfigSecret: z =>
          z
            .string()
            .optional()
            .describe(
              "Name of a task secret holding a kubeconfig to use instead of the environment's EKS cluster",
            ),
        certificate: z =>
          z
            .string()
            .optional()
            .describe(
              'The PEM ingress certificate (chain; public), when ingress.certificate is "provided"',
            ),
        certificateSecret: z =>
          z
            .string()
            .default('tlsCertificate')
            .describe(
              'Task secret holding the PEM certificate, when the input certificate is not given',
            ),
        privateKeySecret: z =>
          z
            .string()
            .default('tlsPrivateKey')
            .describe(
              'Task secret holding the certificate\'s PEM private key, when ingress.certificate is "provided"',
            ),
        forceConflicts: z =>
          z
            .boolean()
            .default(false)
            .describe(
              "Apply the plan over fields someone changed outside the portal (reported as conflicts otherwise); node role labels are always the portal's",
            ),
        timeoutMinutes: z =>
          z
            .number()
            .positive()
            .default(DEFAULT_TIMEOUT_MINUTES)
            .describe('Minutes node preparation may take'),
      },
      output: {
        namespace: z => z.string().describe("BPA's namespace"),
        nodes: z =>
          z
            .record(z.string(), z.array(z.string()))
            .optional()
            .describe('Node names by node role'),
        labelledNodes: z =>
          z
            .array(
              z.object({
                node: z.string(),
                labels: z.record(z.string(), z.string()),
                previousOwners: z.array(z.string()),
              }),
            )
            .optional()
            .describe(
              'Nodes whose role labels were set, and the field managers that had set them before',
            ),
        objects: z =>
          z
            .array(
              z.object({
                object: z.string(),
                outcome: z.enum(['created', 'configured', 'unchanged']),
              }),
            )
            .optional()
            .describe('Every object applied, and what applying it did'),
        changed: z =>
          z
            .number()
            .optional()
            .describe('How many objects were created or changed'),
        selfSignedCertificate: z =>
          z
            .boolean()
            .optional()
            .describe(
              'True when the ingress certificate is self-signed: replace it before production',
            ),
        certificate: z =>
          z
            .object({
              origin: z.enum(['provided', 'self-signed', 'existing']),
              selfSigned: z.boolean(),
              subject: z.string(),
              notAfter: z.string(),
              sha256Fingerprint: z.string(),
            })
            .optional()
            .describe(
              'The ingress certificate (no key): where it came from, subject, expiry, fingerprint',
            ),
      },
    },
    async handler(ctx) {
      const step = await inClusterStep(ctx, options);
      const { spec } = step;
      const given =
        spec.ingress.certificate === 'provided'
          ? providedCertificate(
              { certificate: ctx.input.certificate, secrets: ctx.secrets },
              {
                certificate: ctx.input.certificateSecret ?? 'tlsCertificate',
                key: ctx.input.privateKeySecret ?? 'tlsPrivateKey',
              },
              spec.ingress.hostname,
            )
          : undefined;
      step.masker.add(given?.privateKey);

      if (ctx.isDryRun) {
        for (const file of [
          PLAN_FILES.namespaces,
          PLAN_FILES.eniConfigs,
          PLAN_FILES.storageClass,
          PLAN_FILES.nodePreparation,
          PLAN_FILES.secrets,
        ]) {
          await readPlanFile(step.planDirectory, file);
        }
        ctx.logger.info(
          `Dry run: would apply ${PLAN_FILES.namespaces}, ${
            PLAN_FILES.eniConfigs
          }, ${PLAN_FILES.storageClass}, ${PLAN_FILES.nodePreparation} and ${
            PLAN_FILES.secrets
          } to ${
            spec.name
          }'s cluster (PostgreSQL passwords generated into ${postgresSecrets(
            spec,
          )
            .map(p => p.secretName)
            .join(', ')} where missing), label nodes ${spec.cluster.nodes
            .map(n => n.name)
            .join(', ')}, and ${
            spec.ingress.certificate === 'provided'
              ? 'install the given certificate'
              : 'generate a self-signed ingress certificate'
          }`,
        );
        ctx.output('namespace', spec.bpa.namespace);
        return;
      }

      const target = {
        accountId: spec.aws.accountId,
        region: spec.aws.region,
      };
      const result = await masked(step.masker, async () => {
        // Before the references are resolved: they read these secrets.
        await ensurePostgresSecrets(
          await options.secretsManager(target),
          spec,
          step,
        );
        return bootstrapCluster({
          spec,
          planDirectory: step.planDirectory,
          client: await step.connect(),
          logger: step.logger,
          masker: step.masker,
          checkpoint: step.checkpoint,
          forceConflicts: ctx.input.forceConflicts ?? false,
          values: await options.referenceValues.forEnvironment(target),
          providedCertificate: given,
          nodePreparationTimeoutMs:
            (ctx.input.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000,
          pollIntervalMs: options.pollIntervalMs,
        });
      });
      ctx.output('namespace', result.namespace);
      ctx.output('nodes', result.nodes);
      ctx.output('labelledNodes', result.labelledNodes);
      ctx.output('objects', result.objects);
      ctx.output(
        'changed',
        result.objects.filter(o => o.outcome !== 'unchanged').length,
      );
      ctx.output('selfSignedCertificate', result.certificate.selfSigned);
      ctx.output('certificate', result.certificate);
    },
  });
}
