/** A call to the Atlas Admin API that failed, with Atlas's own error code and detail. */
export class AtlasApiError extends Error {
  /** The Admin API operation, e.g. `createGroupCluster`. */
  readonly operationId: string;
  /** HTTP status; 0 when Atlas could not be reached. */
  readonly status: number;
  /** Atlas's `errorCode`, e.g. `DUPLICATE_CLUSTER_NAME`; `UNKNOWN` when the body had none. */
  readonly errorCode: string;
  /** Atlas's `detail`: what was wrong, in Atlas's words. */
  readonly detail?: string;

  constructor(options: {
    operationId: string;
    status: number;
    errorCode?: string;
    detail?: string;
  }) {
    const errorCode = options.errorCode ?? 'UNKNOWN';
    super(
      `Atlas ${options.operationId} failed with HTTP ${
        options.status
      } ${errorCode}${options.detail ? `: ${options.detail}` : ''}`,
    );
    this.name = 'AtlasApiError';
    this.operationId = options.operationId;
    this.status = options.status;
    this.errorCode = errorCode;
    this.detail = options.detail;
  }
}

/** Reads Atlas's `ApiError` body (or any JSON problem body) into the error's code and detail. */
export function atlasApiErrorFrom(
  operationId: string,
  status: number,
  bodyText: string,
): AtlasApiError {
  let errorCode: string | undefined;
  let detail: string | undefined;
  try {
    const body = JSON.parse(bodyText);
    if (body && typeof body === 'object') {
      errorCode =
        typeof body.errorCode === 'string' ? body.errorCode : undefined;
      detail =
        [body.detail, body.reason, body.title].find(
          (v): v is string => typeof v === 'string' && v.length > 0,
        ) ?? undefined;
    }
  } catch {
    detail = bodyText.trim().slice(0, 500) || undefined;
  }
  return new AtlasApiError({ operationId, status, errorCode, detail });
}
