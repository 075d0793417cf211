/**
 * An error for a failed answer of the bpa backend, from its error body
 * (`{ error: { name, message } }`): "Could not read <what> (HTTP 403): …".
 */
export async function responseError(
  response: Response,
  what: string,
): Promise<Error> {
  let serverError: { name?: unknown; message?: unknown } | undefined;
  try {
    serverError = (await response.json())?.error;
  } catch {
    // Not JSON (a proxy's error page): the HTTP status says enough.
  }
  const reason =
    typeof serverError?.message === 'string'
      ? serverError.message
      : response.statusText;
  const error = new Error(
    `Could not read ${what} (HTTP ${response.status})${
      reason ? `: ${reason}` : ''
    }`,
  );
  // Never `ResponseError`: ResponseErrorPanel would expect its richer body.
  if (
    typeof serverError?.name === 'string' &&
    serverError.name !== 'ResponseError'
  ) {
    error.name = serverError.name;
  }
  return error;
}
