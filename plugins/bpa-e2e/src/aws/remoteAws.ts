import { Client, ServiceException } from '@smithy/core/client';
import {
  AwsCallRequest,
  AwsCallResponse,
  AwsErrorShape,
  decode,
  encode,
} from './wire';

const PATCHED = Symbol.for('bpa-e2e.remote-aws');

function toError(shape: AwsErrorShape): Error {
  if (shape.code) {
    // A call that got no answer, as Node's HTTP handler reports it.
    return Object.assign(new Error(shape.message), {
      name: shape.name,
      code: shape.code,
      $metadata: {},
    });
  }
  const error = new ServiceException({
    name: shape.name,
    $fault: shape.$fault,
    $metadata: { httpStatusCode: shape.httpStatusCode },
    message: shape.message,
  });
  if (shape.$retryable) {
    Object.assign(error, { $retryable: shape.$retryable });
  }
  return Object.assign(error, shape.fields ?? {});
}

/**
 * Routes every AWS SDK v3 call of this process to the simulated AWS at
 * `url`, instead of AWS: each client gets a middleware at the `deserialize`
 * step, the innermost one, which sends `{client, command, input}` and
 * returns the answer (or throws the error) as if AWS had sent it. Everything
 * above it runs for real: the SDK's retry strategy (throttling, 5xx,
 * timeouts), signing, endpoint resolution. Calls are tagged with `replica`.
 */
export function routeAwsCallsTo(url: string, replica: string): void {
  const proto = Client.prototype as any;
  if (proto[PATCHED]) return;
  const send = proto.send;
  const routed = new WeakSet<object>();
  proto[PATCHED] = true;
  proto.send = function sendThroughSimulatedAws(this: any, ...args: unknown[]) {
    if (!routed.has(this)) {
      routed.add(this);
      const config = this.config;
      this.middlewareStack.add(
        (
            _next: unknown,
            context: { clientName: string; commandName: string },
          ) =>
          async (handlerArgs: { input: unknown }) => {
            const region =
              typeof config?.region === 'function'
                ? await config.region()
                : config?.region;
            const request: AwsCallRequest = {
              client: context.clientName,
              command: context.commandName,
              input: handlerArgs.input,
              region,
              replica,
            };
            const response = await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/octet-stream' },
              body: encode(request),
            }).catch(error => {
              // fetch's own message says only "fetch failed": what failed is its cause.
              const cause = (error as { cause?: { code?: string } }).cause;
              throw new Error(
                `The simulated AWS could not be reached for ${
                  request.client
                }.${request.command}: ${(error as Error).message} (${
                  cause?.code ?? cause
                })`,
              );
            });
            if (!response.ok) {
              throw new Error(
                `The simulated AWS failed on ${request.client}.${
                  request.command
                }: HTTP ${response.status} ${await response.text()}`,
              );
            }
            const answer = decode<AwsCallResponse>(
              Buffer.from(await response.arrayBuffer()),
            );
            if ('error' in answer) throw toError(answer.error);
            return {
              output: {
                ...answer.output,
                $metadata: { httpStatusCode: 200, requestId: 'simulated' },
              },
              response: { statusCode: 200, headers: {}, body: undefined },
            };
          },
        { step: 'deserialize', priority: 'high', name: 'bpaE2eSimulatedAws' },
      );
    }
    return send.apply(this, args);
  };
}
