import {
  EnvironmentSpec,
  PlanArtifact,
} from '@internal/backstage-plugin-bpa-common';
import { formatReference } from './references';
import { inClusterSources } from './sources';
import { renderTextTemplate } from './textTemplates';

/** The Kubernetes Secret holding the resolved environment.txt. */
export const ENVIRONMENT_SECRET = 'bpa-environment';
export const ENVIRONMENT_TXT_PATH = 'bpa/env/environment.txt';

/**
 * BPA's `environment.txt`: database names and users inlined, every secret
 * (and every address only known after the stacks exist) as a reference that
 * the apply step resolves with `resolveReferences`.
 */
export function renderEnvironmentTxt(spec: EnvironmentSpec): PlanArtifact {
  const sources = inClusterSources(spec);
  const refs = {
    rootPassword: formatReference(sources.rootPassword),
    authPassword: formatReference(sources.authPassword),
    workflowPassword: formatReference(sources.workflowPassword),
    postgresHost: formatReference(sources.postgresHost),
    postgresPort: formatReference(sources.postgresPort),
    mongoConnectionString: formatReference(sources.mongoConnectionString),
    mongoUsername: formatReference(sources.mongoUsername),
    mongoPassword: formatReference(sources.mongoPassword),
  };
  return {
    path: ENVIRONMENT_TXT_PATH,
    kind: 'environment-txt',
    description: `BPA environment file; secrets are references resolved into Secret ${ENVIRONMENT_SECRET} at apply`,
    content: renderTextTemplate('environment.txt.hbs', {
      environment: spec.name,
      releaseName: spec.bpa.releaseName,
      namespace: spec.bpa.namespace,
      secretName: ENVIRONMENT_SECRET,
      root: spec.rds.root,
      auth: spec.rds.auth,
      workflow: spec.rds.workflow,
      refs,
    }),
  };
}
