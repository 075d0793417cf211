import { useEffect, useState } from 'react';
import {
  Entity,
  RELATION_HAS_PART,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  catalogApiRef,
  getEntityRelations,
} from '@backstage/plugin-catalog-react';

/** The Resources and Components an environment System is made of. */
export interface EnvironmentParts {
  resources: Entity[];
  components: Entity[];
}

export type EnvironmentPartsState =
  | { loading: true }
  | { loading: false; error: Error }
  | { loading: false; error?: undefined; parts: EnvironmentParts };

// Sorted as the links read: by title where there is one.
const displayName = (entity: Entity) =>
  entity.metadata.title ?? entity.metadata.name;
const byDisplayName = (a: Entity, b: Entity) =>
  displayName(a).localeCompare(displayName(b));

/**
 * Loads the entities the System's `hasPart` relations point at: the catalog
 * derives them from each part's `spec.system`, so they are exactly what the
 * environment registered.
 */
export function useEnvironmentParts(system: Entity): EnvironmentPartsState {
  const catalogApi = useApi(catalogApiRef);
  const refs = getEntityRelations(system, RELATION_HAS_PART).map(ref =>
    stringifyEntityRef(ref),
  );
  const refsKey = refs.join(',');
  const [state, setState] = useState<EnvironmentPartsState>({ loading: true });

  useEffect(() => {
    let cancelled = false;
    const entityRefs = refsKey ? refsKey.split(',') : [];
    setState({ loading: true });
    (entityRefs.length === 0
      ? Promise.resolve([])
      : catalogApi
          .getEntitiesByRefs({ entityRefs })
          .then(response =>
            response.items.filter((e): e is Entity => e !== undefined),
          )
    ).then(
      entities => {
        if (cancelled) return;
        setState({
          loading: false,
          parts: {
            resources: entities
              .filter(e => e.kind === 'Resource')
              .sort(byDisplayName),
            components: entities
              .filter(e => e.kind === 'Component')
              .sort(byDisplayName),
          },
        });
      },
      error => {
        if (!cancelled) setState({ loading: false, error });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [catalogApi, refsKey]);

  return state;
}
