import { ReactElement } from 'react';
import { Entity } from '@backstage/catalog-model';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { BPA_ENVIRONMENT_ANNOTATION } from '@internal/backstage-plugin-bpa-common';

/** The reference environment's System, the page the cards stand on. */
export const ENVIRONMENT_SYSTEM: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'System',
  metadata: {
    name: 'bpa-demo',
    annotations: { [BPA_ENVIRONMENT_ANNOTATION]: 'bpa-demo' },
  },
  spec: { owner: 'group:default/platform-team' },
};

/** A JSON answer of the BPA backend, for a mocked fetch. */
export const answer = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });

/** Renders `card` on `entity`'s page; `fetch` answers its requests to the BPA backend. */
export function renderCard(
  card: ReactElement,
  fetch: jest.Mock,
  entity: Entity = ENVIRONMENT_SYSTEM,
) {
  return renderInTestApp(
    <EntityProvider entity={entity}>{card}</EntityProvider>,
    {
      apis: [
        mockApis.discovery({ baseUrl: 'http://portal.test' }),
        mockApis.fetch({ baseImplementation: fetch }),
      ],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    },
  );
}
