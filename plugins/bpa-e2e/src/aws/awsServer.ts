import http from 'node:http';
import net from 'node:net';
import * as acm from '@aws-sdk/client-acm';
import * as autoScaling from '@aws-sdk/client-auto-scaling';
import * as cloudFormation from '@aws-sdk/client-cloudformation';
import * as ec2 from '@aws-sdk/client-ec2';
import * as ecr from '@aws-sdk/client-ecr';
import * as eks from '@aws-sdk/client-eks';
import * as elbv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import * as iam from '@aws-sdk/client-iam';
import * as rds from '@aws-sdk/client-rds';
import * as secretsManager from '@aws-sdk/client-secrets-manager';
import * as ssm from '@aws-sdk/client-ssm';
import * as sts from '@aws-sdk/client-sts';
import {
  AwsCallRequest,
  AwsCallResponse,
  AwsErrorShape,
  decode,
  encode,
} from './wire';
import { keepIdleConnections } from '../harness/keepAlive';

/** The SDK packages whose clients a backend may call, by client class name. */
const SDK_PACKAGES: Record<string, Record<string, any>> = {
  ACMClient: acm,
  AutoScalingClient: autoScaling,
  CloudFormationClient: cloudFormation,
  EC2Client: ec2,
  ECRClient: ecr,
  EKSClient: eks,
  ElasticLoadBalancingV2Client: elbv2,
  IAMClient: iam,
  RDSClient: rds,
  SecretsManagerClient: secretsManager,
  SSMClient: ssm,
  STSClient: sts,
};

/** One call a backend made, as the simulated AWS saw it. */
export interface AwsCall {
  seq: number;
  /** Date.now() when it arrived. */
  at: number;
  replica: string;
  /** `CloudFormation` (the client class without `Client`). */
  service: string;
  /** `CreateChangeSet` (without `Command`). */
  command: string;
  input: Record<string, any>;
  /** `ok`, or the error's name. */
  outcome: string;
}

/**
 * An error the simulated AWS answers instead of doing the call, for the
 * next `times` matching calls: the backend's SDK sees it as AWS's own.
 */
export interface AwsFault {
  /** `CloudFormation`; every service when absent. */
  service?: string;
  /** `DescribeStacks`; every command when absent. */
  command?: string;
  /** Only calls of this backend (its replica name); every backend's when absent. */
  replica?: string;
  times: number;
  error: AwsErrorShape;
  /**
   * The call is done first and only its answer is lost (a socket timeout
   * after AWS received the request): the backend's retry meets what its
   * first attempt did.
   */
  afterCall?: boolean;
}

/** Errors the faults are made of, as AWS and Node send them. */
export const AWS_ERRORS = {
  throttling: (): AwsErrorShape => ({
    name: 'Throttling',
    message: 'Rate exceeded',
    $fault: 'client',
    httpStatusCode: 400,
    $retryable: { throttling: true },
  }),
  serverError: (): AwsErrorShape => ({
    name: 'InternalFailure',
    message: 'We encountered an internal error. Please try again.',
    $fault: 'server',
    httpStatusCode: 500,
  }),
  unavailable: (): AwsErrorShape => ({
    name: 'ServiceUnavailable',
    message: 'Service Unavailable',
    $fault: 'server',
    httpStatusCode: 503,
  }),
  socketTimeout: (): AwsErrorShape => ({
    name: 'TimeoutError',
    message: 'Connection timed out after 30000 ms',
    $fault: 'client',
    httpStatusCode: 0,
    code: 'ETIMEDOUT',
  }),
};

export interface SimulatedAwsServer {
  /** What a backend's routeAwsCallsTo takes. */
  url: string;
  /** Every call so far, in arrival order. */
  calls: AwsCall[];
  injectFault(fault: AwsFault): void;
  /** The injected faults not yet answered (as many times as they were asked for). */
  pendingFaults(): AwsFault[];
  close(): Promise<void>;
}

const isSinonStub = (fn: unknown) =>
  typeof fn === 'function' &&
  (fn as { isSinonProxy?: boolean }).isSinonProxy === true;

function errorShape(error: unknown): AwsErrorShape {
  const e = error as Record<string, any>;
  const { name, message, $fault, $metadata, $retryable, ...rest } = e ?? {};
  const fields = Object.fromEntries(
    Object.entries(rest).filter(
      ([k, v]) =>
        !k.startsWith('$') &&
        ['string', 'number', 'boolean'].includes(typeof v),
    ),
  );
  return {
    name: name ?? 'Error',
    message: message ?? String(error),
    $fault: $fault === 'server' ? 'server' : 'client',
    httpStatusCode: $metadata?.httpStatusCode ?? 400,
    ...($retryable ? { $retryable } : {}),
    fields,
  };
}

/**
 * Serves the simulated AWS of this process (the aws-sdk-client-mock stubs
 * that simulateAws, simulateSecretsManager and simulateEc2 install) to
 * backend processes on 127.0.0.1: each call is replayed as
 * `new <Command>(input)` on a client of its class, so the simulators hold
 * the state whatever happens to the backends. A call to a client nobody
 * simulates, or a command the simulation has no answer for, fails loudly.
 */
export async function serveSimulatedAws(): Promise<SimulatedAwsServer> {
  const calls: AwsCall[] = [];
  const faults: AwsFault[] = [];
  const clients = new Map<string, { send(command: unknown): Promise<any> }>();

  async function answer(request: AwsCallRequest): Promise<AwsCallResponse> {
    const pkg = SDK_PACKAGES[request.client];
    const ClientClass = pkg?.[request.client];
    const CommandClass = pkg?.[request.command];
    const service = request.client.replace(/Client$/, '');
    const command = request.command.replace(/Command$/, '');
    const record = (outcome: string) =>
      calls.push({
        seq: calls.length + 1,
        at: Date.now(),
        replica: request.replica,
        service,
        command,
        input: request.input as Record<string, any>,
        outcome,
      });
    if (
      !ClientClass ||
      !CommandClass ||
      !isSinonStub(ClientClass.prototype.send)
    ) {
      record('NotSimulated');
      return {
        error: {
          name: 'NotSimulated',
          message: `The simulated AWS does not simulate ${request.client} (${request.command}): add it to the e2e harness`,
          $fault: 'client',
          httpStatusCode: 400,
        },
      };
    }
    const fault = faults.find(
      f =>
        f.times > 0 &&
        (!f.service || f.service === service) &&
        (!f.command || f.command === command) &&
        (!f.replica || f.replica === request.replica),
    );
    if (fault && !fault.afterCall) {
      fault.times -= 1;
      record(fault.error.name);
      return { error: fault.error };
    }
    const key = `${request.client}/${request.region}`;
    let client = clients.get(key);
    if (!client) {
      client = new ClientClass({
        region: request.region ?? 'us-east-1',
        credentials: { accessKeyId: 'simulated', secretAccessKey: 'simulated' },
      }) as { send(command: unknown): Promise<any> };
      clients.set(key, client);
    }
    try {
      const output = await client.send(new CommandClass(request.input));
      if (output === undefined) {
        record('NotSimulated');
        return {
          error: {
            name: 'NotSimulated',
            message: `The simulated AWS has no answer for ${service} ${command}: add it to the simulator`,
            $fault: 'client',
            httpStatusCode: 400,
          },
        };
      }
      if (fault) {
        fault.times -= 1;
        // Done (its effects stay, it counts as a call that succeeded), but the answer never arrives.
        record('ok');
        return { error: fault.error };
      }
      record('ok');
      return { output: structuredClone(output) };
    } catch (error) {
      const shape = errorShape(error);
      record(shape.name);
      return { error: shape };
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const body = encode(await answer(decode(Buffer.concat(chunks))));
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(body);
      } catch (error) {
        res.writeHead(500).end(String((error as Error)?.stack ?? error));
      }
    });
  });
  keepIdleConnections(server);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`,
    calls,
    injectFault: fault => faults.push({ ...fault }),
    pendingFaults: () => faults.filter(f => f.times > 0),
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
