import { ACMClient } from '@aws-sdk/client-acm';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { Config } from '@backstage/config';
import {
  AwsCredentialsManager,
  DefaultAwsCredentialsManager,
} from '@backstage/integration-aws-node';

/** Where an environment lives: its account and region (from the spec). */
export interface AwsTarget {
  accountId: string;
  region: string;
}

/** The SDK clients the apply uses, all for one account and region. */
export interface AwsClients {
  target: AwsTarget;
  cloudFormation: CloudFormationClient;
  sts: STSClient;
  iam: IAMClient;
  /** Reads the node groups' Auto Scaling groups. */
  eks: EKSClient;
  /** Attaches those groups to the load balancer's target groups. */
  autoScaling: AutoScalingClient;
  /** Checks the listeners' certificate before the edge stack is deployed. */
  acm: ACMClient;
  /** Lists the final snapshots a teardown leaves; reads the database instance (live status). */
  rds: RDSClient;
  /** Looks up the bastion's AMI (AWS's public parameters). */
  ssm: SSMClient;
  /** Reads the Atlas PrivateLink endpoint (live status). */
  ec2: EC2Client;
}

export interface AwsClientFactory {
  /**
   * Clients for one account and region. Fails with a message naming the
   * account when no credentials are configured for it.
   */
  forTarget(target: AwsTarget): Promise<AwsClients>;
}

export interface AwsClientFactoryOptions {
  credentialsManager: AwsCredentialsManager;
  /**
   * Sends every call to this URL instead of AWS (a local emulator, a test).
   * Without it the SDK still honours `AWS_ENDPOINT_URL` and
   * `AWS_ENDPOINT_URL_<SERVICE>`.
   */
  endpoint?: string;
  /** Attempts per call, retries included; throttling is retried with adaptive backoff. */
  maxAttempts?: number;
}

/** Stack waits poll for an hour; throttling then must slow us down, not fail the task. */
const DEFAULT_MAX_ATTEMPTS = 8;

/** Error codes of a network that did not carry the call, not of a refusal. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Whether an error (or an error it wraps) says AWS could not be reached at all. */
export function isNetworkError(error: unknown): boolean {
  for (let e: any = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (NETWORK_ERROR_CODES.has(e.code) || NETWORK_ERROR_CODES.has(e.errno)) {
      return true;
    }
    if (typeof e.message === 'string') {
      const code = /\b(E[A-Z]+)\b/.exec(e.message)?.[1];
      if (code && NETWORK_ERROR_CODES.has(code)) return true;
    }
  }
  return false;
}

/**
 * Thrown when the environment's account has no usable credentials — or,
 * with `reason: 'unreachable'`, when AWS could not be reached to resolve
 * them (a network or endpoint problem, which new credentials would not fix).
 */
export class AwsCredentialsMissingError extends Error {
  readonly reason: 'missing' | 'unreachable';

  constructor(accountId: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    const unreachable = isNetworkError(cause);
    super(
      unreachable
        ? `AWS could not be reached to resolve the credentials of account ${accountId}: ${detail}. Check the backend's network access to AWS (and AWS_ENDPOINT_URL or proxy settings, if any).`
        : `No AWS credentials for account ${accountId}: ${detail}. Configure the account under aws.accounts in app-config.yaml, or give the backend default credentials (environment variables, AWS_PROFILE, or an instance/pod role).`,
    );
    this.name = 'AwsCredentialsMissingError';
    this.reason = unreachable ? 'unreachable' : 'missing';
  }
}

/**
 * The manager, with its failures to find credentials for an account turned
 * into AwsCredentialsMissingError, saying what to configure (once, when
 * the manager is itself one of these).
 */
function withCredentialsMissingError(
  manager: AwsCredentialsManager,
): AwsCredentialsManager {
  return {
    async getCredentialProvider(opts) {
      try {
        return await manager.getCredentialProvider(opts);
      } catch (error) {
        if (error instanceof AwsCredentialsMissingError) throw error;
        throw new AwsCredentialsMissingError(
          opts?.accountId ?? '(the main account)',
          error,
        );
      }
    },
  };
}

const credentialsManagers = new WeakMap<Config, AwsCredentialsManager>();

/**
 * The portal's AWS credentials from app-config (`aws.accounts`,
 * `aws.mainAccount`, `aws.accountDefaults`, else the SDK's default chain):
 * one manager per configuration, so every client factory shares its cached
 * credentials and assumed roles; an account without usable credentials
 * fails with AwsCredentialsMissingError, saying what to configure.
 */
export function awsCredentialsManagerFromConfig(
  config: Config,
): AwsCredentialsManager {
  let manager = credentialsManagers.get(config);
  if (!manager) {
    manager = withCredentialsMissingError(
      DefaultAwsCredentialsManager.fromConfig(config),
    );
    credentialsManagers.set(config, manager);
  }
  return manager;
}

export function createAwsClientFactory(
  options: AwsClientFactoryOptions,
): AwsClientFactory {
  const credentialsManager = withCredentialsMissingError(
    options.credentialsManager,
  );
  return {
    async forTarget(target) {
      const provider = await credentialsManager.getCredentialProvider({
        accountId: target.accountId,
      });
      const common = {
        region: target.region,
        credentials: provider.sdkCredentialProvider,
        maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        retryMode: 'adaptive',
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      };
      return {
        target,
        cloudFormation: new CloudFormationClient(common),
        sts: new STSClient(common),
        iam: new IAMClient(common),
        eks: new EKSClient(common),
        autoScaling: new AutoScalingClient(common),
        acm: new ACMClient(common),
        rds: new RDSClient(common),
        ssm: new SSMClient(common),
        ec2: new EC2Client(common),
      };
    },
  };
}

/**
 * The client factory of the portal: credentials from `aws.accounts` (and
 * `aws.mainAccount`, `aws.accountDefaults`) in app-config, else the SDK's
 * default chain.
 */
export function awsClientFactoryFromConfig(
  config: Config,
  options: Omit<AwsClientFactoryOptions, 'credentialsManager'> = {},
): AwsClientFactory {
  return createAwsClientFactory({
    ...options,
    credentialsManager: awsCredentialsManagerFromConfig(config),
  });
}
