import v8 from 'node:v8';

/**
 * What a backend process sends for one AWS SDK call, and what comes back:
 * V8's serialization, so Dates, binary data and nested shapes cross intact.
 */
export interface AwsCallRequest {
  /** The SDK client's class name, `CloudFormationClient`. */
  client: string;
  /** `CreateChangeSetCommand`. */
  command: string;
  input: unknown;
  region?: string;
  /** Which backend process made the call. */
  replica: string;
}

/** An AWS error as the SDK's retry strategy and the portal read it. */
export interface AwsErrorShape {
  name: string;
  message: string;
  $fault: 'client' | 'server';
  httpStatusCode: number;
  /** `{ throttling: true }` for errors the SDK retries as throttling. */
  $retryable?: { throttling?: boolean };
  /** A Node error code (`ETIMEDOUT`, `ECONNRESET`): the call never got an answer. */
  code?: string;
  /** Other fields of the error (`Code`, `Type`…). */
  fields?: Record<string, unknown>;
}

export type AwsCallResponse =
  | { output: Record<string, unknown> }
  | { error: AwsErrorShape };

export const encode = (value: unknown) => v8.serialize(value);
export const decode = <T>(buffer: Buffer): T => v8.deserialize(buffer) as T;
