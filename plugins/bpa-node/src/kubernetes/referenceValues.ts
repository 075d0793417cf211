import {
  CloudFormationClient,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { AwsCredentialsManager } from '@backstage/integration-aws-node';
import { describeReference, Reference } from '../plan/incluster';
import { AwsCredentials } from './eksToken';

/** Looks up the values plan references name, at apply time. */
export interface ReferenceValues {
  /** The values, keyed by `describeReference(ref)`; fails naming the first reference it cannot resolve. */
  resolve(refs: Reference[]): Promise<Map<string, string>>;
}

/** Where an environment's references are looked up. */
export interface ReferenceValuesFactory {
  forEnvironment(target: {
    accountId: string;
    region: string;
  }): Promise<ReferenceValues>;
}

const message = (error: unknown) =>
  error instanceof Error ? error.message : String(error);

/**
 * References resolved in AWS: `secretsmanager` (a key of a JSON secret),
 * `cloudformation` (a stack output) and `stack-secret` (a key of the JSON
 * secret a stack output names). Each secret and stack is read once.
 */
export function createAwsReferenceValues(clients: {
  secretsManager: SecretsManagerClient;
  cloudFormation: CloudFormationClient;
}): ReferenceValues {
  const secrets = new Map<string, Promise<Record<string, unknown>>>();
  const stacks = new Map<string, Promise<Map<string, string>>>();

  const secretJson = (id: string) => {
    let found = secrets.get(id);
    if (!found) {
      found = (async () => {
        let text: string | undefined;
        try {
          text = (
            await clients.secretsManager.send(
              new GetSecretValueCommand({ SecretId: id }),
            )
          ).SecretString;
        } catch (error) {
          throw new Error(`GetSecretValue ${id}: ${message(error)}`);
        }
        try {
          return JSON.parse(text ?? '');
        } catch {
          // Never the text itself: it is the secret.
          throw new Error(`secret ${id} does not hold a JSON object`);
        }
      })();
      secrets.set(id, found);
    }
    return found;
  };

  const stackOutputs = (stack: string) => {
    let found = stacks.get(stack);
    if (!found) {
      found = (async () => {
        try {
          const { Stacks } = await clients.cloudFormation.send(
            new DescribeStacksCommand({ StackName: stack }),
          );
          return new Map(
            (Stacks?.[0]?.Outputs ?? []).map(o => [
              o.OutputKey ?? '',
              o.OutputValue ?? '',
            ]),
          );
        } catch (error) {
          throw new Error(`DescribeStacks ${stack}: ${message(error)}`);
        }
      })();
      stacks.set(stack, found);
    }
    return found;
  };

  const output = async (stack: string, key: string) => {
    const value = (await stackOutputs(stack)).get(key);
    if (value === undefined)
      throw new Error(`stack ${stack} has no output ${key}`);
    return value;
  };

  const secretKey = async (id: string, key: string) => {
    const value = (await secretJson(id))[key];
    if (value === undefined || value === null)
      throw new Error(`secret ${id} has no key ${key}`);
    return String(value);
  };

  const valueOf = async (ref: Reference): Promise<string> => {
    switch (ref.source) {
      case 'secretsmanager':
        return secretKey(ref.name, ref.key);
      case 'cloudformation':
        return output(ref.name, ref.key);
      case 'stack-secret': {
        const slash = ref.name.indexOf('/');
        const arn = await output(
          ref.name.slice(0, slash),
          ref.name.slice(slash + 1),
        );
        return secretKey(arn, ref.key);
      }
      default:
        throw new Error(`unknown reference source ${ref.source}`);
    }
  };

  return {
    async resolve(refs) {
      const values = new Map<string, string>();
      for (const ref of refs) {
        const id = describeReference(ref);
        try {
          values.set(id, await valueOf(ref));
        } catch (error) {
          throw new Error(`Cannot resolve ${id}: ${message(error)}`);
        }
      }
      return values;
    },
  };
}

/** AWS clients for the environment's account and region, from the portal's AWS credentials. */
export function createAwsReferenceValuesFactory(
  credentialsManager: AwsCredentialsManager,
): ReferenceValuesFactory {
  return {
    async forEnvironment({ accountId, region }) {
      const credentials: AwsCredentials = (
        await credentialsManager.getCredentialProvider({ accountId })
      ).sdkCredentialProvider;
      return createAwsReferenceValues({
        secretsManager: new SecretsManagerClient({ region, credentials }),
        cloudFormation: new CloudFormationClient({ region, credentials }),
      });
    },
  };
}
