import {
  EnvironmentSpec,
  PlanArtifact,
} from '@internal/backstage-plugin-bpa-common';
import { renderTextTemplate } from './textTemplates';

export const BOOTSTRAP_SQL_PATH = 'database/bootstrap.sql';

/**
 * The psql script creating BPA's roles and databases; idempotent, and the
 * passwords come in as psql variables (`admin_password`, `kong_password`,
 * `camunda_password`), never in the file.
 */
export function renderDatabaseBootstrapSql(
  spec: EnvironmentSpec,
): PlanArtifact {
  return {
    path: BOOTSTRAP_SQL_PATH,
    kind: 'sql',
    description:
      'Database bootstrap (roles, databases, md5 passwords), run by psql in the bootstrap Job',
    content: renderTextTemplate('bootstrap.sql.hbs', {
      environment: spec.name,
      root: spec.rds.root,
      auth: spec.rds.auth,
      workflow: spec.rds.workflow,
    }),
  };
}
