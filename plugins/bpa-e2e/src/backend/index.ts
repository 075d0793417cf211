/*
 * The portal's backend as the end-to-end tests run it, in a child process
 * they can kill: a real Backstage backend (createBackend) with the plugins
 * the BPA templates go through — auth (the example organisation's users),
 * permissions (the portal's BPA policy, as packages/backend has it), the catalog with the scaffolder entity model
 * and the BPA environments provider, the scaffolder with the BPA actions,
 * and the BPA live status. Configured by the harness (--config); every AWS
 * SDK call goes to the test process's simulated AWS. Never shipped.
 */
import { flushCompileCache } from 'node:module';
import { createBackend } from '@backstage/backend-defaults';
import { routeAwsCallsTo } from '../aws/remoteAws';

const awsUrl = process.env.BPA_E2E_AWS_URL;
if (!awsUrl) {
  throw new Error(
    'BPA_E2E_AWS_URL is not set: this backend only runs under the end-to-end harness',
  );
}
// Before any plugin builds an AWS client.
routeAwsCallsTo(awsUrl, process.env.BPA_E2E_REPLICA ?? 'backend');

const backend = createBackend();
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(
  import('@internal/backstage-plugin-auth-backend-module-bpa-example-users'),
);
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(
  import('@internal/backstage-plugin-permission-backend-module-bpa-policy'),
);
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@internal/backstage-plugin-catalog-backend-module-bpa'));
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@internal/backstage-plugin-scaffolder-backend-module-bpa'));
backend.add(import('@internal/backstage-plugin-bpa-backend'));
// Node writes its compile cache (NODE_COMPILE_CACHE) at exit, which a
// SIGKILLed backend never reaches: written once every module is loaded.
backend.start().then(() => flushCompileCache());
