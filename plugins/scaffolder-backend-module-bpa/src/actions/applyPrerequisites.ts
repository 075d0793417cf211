import {
  EnvironmentSpec,
  PlanArtifact,
} from '@internal/backstage-plugin-bpa-common';
import {
  AtlasApi,
  AtlasApiError,
  AwsAccessError,
  AwsClientFactory,
  ProgressLogger,
  checkAtlasDatabaseUser,
  checkAtlasOffering,
  checkSkopeo,
  findHelmBinary,
  IMAGE_MIRROR_ACTIONS,
  parseTemplateBody,
  requiredActions,
  resourceTypes,
  listenerCertificateProblem,
  verifyAwsAccess,
} from '@internal/backstage-plugin-bpa-node';

/** What "plan and apply" needs besides the request, as the module builds it from app-config. */
export interface ApplyPrerequisites {
  /** AWS SDK clients per account and region (`aws.*`). */
  awsClients: AwsClientFactory;
  /** Undefined when app-config has no Atlas credentials (`bpa.atlas`). */
  atlas?: AtlasApi;
  /** `bpa.helm.binary`; else helm on the PATH. */
  helmBinary?: string;
  /** `bpa.skopeo.binary`; else skopeo on the PATH (bpa:ecr:mirror). */
  skopeoBinary?: string;
}

/** One thing the apply would fail on, and how to fix it. */
export interface MissingPrerequisite {
  what: string;
  fix: string;
}

/** "Plan and apply" refused before anything was registered or created, listing everything missing. */
export class ApplyPrerequisitesError extends Error {
  constructor(readonly missing: MissingPrerequisite[]) {
    super(
      `"Plan and apply" cannot start: ${missing.length} of its prerequisites ${
        missing.length === 1 ? 'is' : 'are'
      } missing. Nothing was registered or created; fix ${
        missing.length === 1 ? 'it' : 'them'
      } and run the template again.\n${missing
        .map(m => `- ${m.what}: ${m.fix}`)
        .join('\n')}`,
    );
    this.name = 'ApplyPrerequisitesError';
  }
}

const ATLAS_CREDENTIALS_KEYS =
  'bpa.atlas.serviceAccount.clientId and clientSecret (or bpa.atlas.apiKey.publicKey and privateKey) in app-config';

/**
 * The AWS side: credentials that answer for the environment's account, and
 * the IAM simulation of every action the stacks of the plan need (the same
 * check each deploy step makes for its own stacks) and the image mirror.
 */
async function awsMissing(
  prerequisites: ApplyPrerequisites,
  spec: EnvironmentSpec,
  artifacts: PlanArtifact[],
  logger: ProgressLogger,
  certificateArn: string | undefined,
): Promise<MissingPrerequisite[]> {
  const { accountId, region } = spec.aws;
  const what = `AWS credentials for account ${accountId}`;
  try {
    const clients = await prerequisites.awsClients.forTarget({
      accountId,
      region,
    });
    const templates = artifacts
      .filter(a => /^cloudformation\/[^/]+\.yaml$/.test(a.path))
      .map(a => parseTemplateBody(a.content));
    await verifyAwsAccess({
      clients,
      environment: spec.name,
      actions: [
        ...new Set([
          ...requiredActions({
            operation: 'deploy',
            resourceTypes: templates.flatMap(resourceTypes),
          }),
          ...IMAGE_MIRROR_ACTIONS,
        ]),
      ].sort(),
      operation: 'apply',
      logger,
    });
    const certificate =
      certificateArn &&
      (await listenerCertificateProblem(clients.acm, certificateArn));
    return certificate ? [{ what: 'certificateArn', fix: certificate }] : [];
  } catch (error) {
    if (error instanceof AwsAccessError && error.deniedActions.length) {
      return [{ what: 'AWS permissions', fix: error.message }];
    }
    return [{ what, fix: (error as Error).message }];
  }
}

/** What an Atlas refusal of the project means, and what to do about it. */
function atlasRefusal(error: AtlasApiError, projectId: string): string {
  const said = `Atlas answered HTTP ${error.status} ${error.errorCode}${
    error.detail ? ` (${error.detail})` : ''
  }`;
  switch (error.status) {
    case 401:
      return `${said}: the credentials are not accepted. Check ${ATLAS_CREDENTIALS_KEYS}.`;
    case 403:
      return `${said}: the credentials may not use project ${projectId}. Give the service account (or API key) the Project Owner role on it, and add the backend's egress address to its API access list if the organization requires one.`;
    case 404:
      return `${said}: project ${projectId} does not exist or is not visible to these credentials. Check atlas.projectId (Project Settings in Atlas) and the credentials' organization.`;
    case 0:
      return `${said}. Check the backend's network access to Atlas (and bpa.atlas.baseUrl, if set).`;
    default:
      return `${said}.`;
  }
}

/** The Atlas side: credentials, access to the project, and what the project is offered. */
async function atlasMissing(
  atlas: AtlasApi | undefined,
  spec: EnvironmentSpec,
  logger: ProgressLogger,
): Promise<MissingPrerequisite[]> {
  const { projectId } = spec.atlas;
  if (!atlas) {
    return [
      {
        what: 'MongoDB Atlas credentials',
        fix: `not configured. Set ${ATLAS_CREDENTIALS_KEYS}.`,
      },
    ];
  }
  try {
    const issues = [
      ...(await checkAtlasOffering(atlas, spec)),
      ...(await checkAtlasDatabaseUser(atlas, spec)),
    ];
    if (!issues.length) {
      logger.info(
        `MongoDB Atlas project ${projectId}: ${spec.atlas.tier} with MongoDB ${spec.atlas.mongoDBVersion} offered in ${spec.aws.region}`,
      );
    }
    return issues.map(i => ({
      what: `MongoDB Atlas (${i.path})`,
      fix: i.message,
    }));
  } catch (error) {
    return [
      {
        what: `MongoDB Atlas project ${projectId}`,
        fix:
          error instanceof AtlasApiError
            ? atlasRefusal(error, projectId)
            : `${(error as Error).message}. Check ${ATLAS_CREDENTIALS_KEYS}.`,
      },
    ];
  }
}

/** The tools the apply runs on the backend. */
async function toolsMissing(
  prerequisites: ApplyPrerequisites,
  logger: ProgressLogger,
): Promise<MissingPrerequisite[]> {
  const missing: MissingPrerequisite[] = [];
  try {
    const helm = await findHelmBinary(prerequisites.helmBinary);
    logger.info(`Helm ${helm.version} at ${helm.path}`);
  } catch (error) {
    missing.push({ what: 'Helm', fix: (error as Error).message });
  }
  const skopeo = await checkSkopeo(prerequisites.skopeoBinary);
  if (skopeo.ok) {
    logger.info(`skopeo ${skopeo.version} at ${skopeo.path}`);
  } else {
    missing.push({ what: 'skopeo', fix: skopeo.problem });
  }
  return missing;
}

/**
 * Everything "plan and apply" needs that the request does not say, checked
 * at once and read-only: AWS credentials for the account and the IAM
 * permissions of the stacks, the listeners' certificate in ACM, Atlas credentials and access to the project,
 * helm and skopeo. Returns every missing one.
 */
export async function missingApplyPrerequisites(
  prerequisites: ApplyPrerequisites,
  spec: EnvironmentSpec,
  artifacts: PlanArtifact[],
  logger: ProgressLogger,
  /** The load balancer's certificate, once its ARN is well formed: ACM must have it issued. */
  certificateArn?: string,
): Promise<MissingPrerequisite[]> {
  const found = await Promise.all([
    awsMissing(prerequisites, spec, artifacts, logger, certificateArn),
    atlasMissing(prerequisites.atlas, spec, logger),
    toolsMissing(prerequisites, logger),
  ]);
  return found.flat();
}
