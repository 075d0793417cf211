import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  IAMClient,
  IAMServiceException,
  SimulatePrincipalPolicyCommand,
  SimulatePrincipalPolicyCommandInput,
} from '@aws-sdk/client-iam';
import { AwsClientStub } from 'aws-sdk-client-mock';
import { policyAllows } from './iamPolicyEvaluator';
import { SimulatedAwsOptions } from './options';

/**
 * STS and IAM of the simulated account: who the credentials are, and what
 * iam:SimulatePrincipalPolicy answers for them (the principal's policy
 * evaluated, or everything but the denied actions allowed).
 */
export function simulateIdentity(
  options: SimulatedAwsOptions,
  sts: AwsClientStub<STSClient>,
  iam: AwsClientStub<IAMClient>,
  callerArn: string,
) {
  sts.on(GetCallerIdentityCommand).callsFake(async () => {
    if (options.noCredentials) {
      const error = new Error('Could not load credentials from any providers');
      error.name = 'CredentialsProviderError';
      throw error;
    }
    return {
      Account: options.callerAccountId ?? options.accountId,
      Arn: callerArn,
      UserId: 'AROAEXAMPLEID:backstage-session',
    };
  });
  iam
    .on(SimulatePrincipalPolicyCommand)
    .callsFake(async (input: SimulatePrincipalPolicyCommandInput) => {
      if (options.simulationDenied) {
        throw new IAMServiceException({
          name: 'AccessDenied',
          $fault: 'client',
          $metadata: { httpStatusCode: 403 },
          message: `User: ${callerArn} is not authorized to perform: iam:SimulatePrincipalPolicy`,
        });
      }
      const denied = new Set(options.deniedActions ?? []);
      const resource = input.ResourceArns?.[0] ?? '*';
      const context = Object.fromEntries(
        (input.ContextEntries ?? []).map(e => [
          e.ContextKeyName!,
          e.ContextKeyValues ?? [],
        ]),
      );
      const allowed = (action: string) =>
        !denied.has(action) &&
        (!options.policy ||
          policyAllows(options.policy, action, resource, context));
      return {
        IsTruncated: false,
        EvaluationResults: (input.ActionNames ?? []).map(action => ({
          EvalActionName: action,
          EvalResourceName: resource,
          EvalDecision: allowed(action) ? 'allowed' : 'implicitDeny',
        })),
      };
    });
}
