import { useCallback, useEffect, useRef, useState } from 'react';
import { DEFAULT_NAMESPACE } from '@backstage/catalog-model';
import {
  DiscoveryApi,
  FetchApi,
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import { EnvironmentStatus } from '@internal/backstage-plugin-bpa-common';
import { responseError } from './responseError';

/** How often the card asks again while it is on screen. */
export const STATUS_POLL_INTERVAL_MS = 30_000;

export interface EnvironmentStatusState {
  /** The last answer; undefined until the first one, or after an error. */
  status?: EnvironmentStatus;
  error?: Error;
  /** A request is under way. */
  loading: boolean;
  /** Asks at once, unless a request is already under way. */
  refresh: () => void;
}

async function fetchEnvironmentStatus(
  discoveryApi: DiscoveryApi,
  fetchApi: FetchApi,
  namespace: string,
  name: string,
  signal: AbortSignal,
): Promise<EnvironmentStatus> {
  const baseUrl = await discoveryApi.getBaseUrl('bpa');
  const response = await fetchApi.fetch(
    `${baseUrl}/environments/${encodeURIComponent(
      namespace,
    )}/${encodeURIComponent(name)}/status`,
    { signal },
  );
  if (!response.ok) {
    throw await responseError(
      response,
      `the live status of ${namespace}/${name}`,
    );
  }
  return (await response.json()) as EnvironmentStatus;
}

/**
 * The live status of an environment System (its namespace and name), asked
 * again every 30 seconds while mounted; nothing is asked without a System.
 * The next request is scheduled only when the previous one has answered,
 * so a slow backend never piles requests up.
 */
export function useEnvironmentStatus(
  system: { namespace?: string; name: string } | undefined,
): EnvironmentStatusState {
  const discoveryApi = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);
  const namespace = system?.namespace ?? DEFAULT_NAMESPACE;
  const name = system?.name;
  const [answer, setAnswer] = useState<{
    status?: EnvironmentStatus;
    error?: Error;
  }>({});
  const [loading, setLoading] = useState(name !== undefined);
  const checkNow = useRef<() => void>(() => {});

  useEffect(() => {
    if (name === undefined) return undefined;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;

    const check = () => {
      if (inFlight || abort.signal.aborted) return;
      clearTimeout(timer);
      inFlight = true;
      setLoading(true);
      fetchEnvironmentStatus(
        discoveryApi,
        fetchApi,
        namespace,
        name,
        abort.signal,
      )
        .then(
          status => !abort.signal.aborted && setAnswer({ status }),
          error => !abort.signal.aborted && setAnswer({ error }),
        )
        .finally(() => {
          inFlight = false;
          if (abort.signal.aborted) return;
          setLoading(false);
          timer = setTimeout(check, STATUS_POLL_INTERVAL_MS);
        });
    };

    checkNow.current = check;
    setAnswer({});
    check();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [discoveryApi, fetchApi, namespace, name]);

  const refresh = useCallback(() => checkNow.current(), []);
  return { ...answer, loading, refresh };
}
