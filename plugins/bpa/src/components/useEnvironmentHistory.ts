import { useCallback, useEffect, useState } from 'react';
import { DEFAULT_NAMESPACE, Entity } from '@backstage/catalog-model';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import { EnvironmentHistory } from '@internal/backstage-plugin-bpa-common';
import { responseError } from './responseError';

export interface EnvironmentHistoryState {
  history?: EnvironmentHistory;
  error?: Error;
  loading: boolean;
  /** Asks again. */
  refresh: () => void;
}

/** The tasks that touched an environment System, asked once and on refresh. */
export function useEnvironmentHistory(system: Entity): EnvironmentHistoryState {
  const discoveryApi = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);
  const namespace = system.metadata.namespace ?? DEFAULT_NAMESPACE;
  const name = system.metadata.name;
  const [answer, setAnswer] = useState<{
    history?: EnvironmentHistory;
    error?: Error;
  }>({});
  const [loading, setLoading] = useState(true);
  const [asked, setAsked] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    (async () => {
      const baseUrl = await discoveryApi.getBaseUrl('bpa');
      const response = await fetchApi.fetch(
        `${baseUrl}/environments/${encodeURIComponent(
          namespace,
        )}/${encodeURIComponent(name)}/history`,
        { signal: abort.signal },
      );
      if (!response.ok) {
        throw await responseError(
          response,
          `the history of ${namespace}/${name}`,
        );
      }
      return (await response.json()) as EnvironmentHistory;
    })()
      .then(
        history => !abort.signal.aborted && setAnswer({ history }),
        error => !abort.signal.aborted && setAnswer({ error }),
      )
      .finally(() => !abort.signal.aborted && setLoading(false));
    return () => abort.abort();
  }, [discoveryApi, fetchApi, namespace, name, asked]);

  const refresh = useCallback(() => setAsked(n => n + 1), []);
  return { ...answer, loading, refresh };
}
