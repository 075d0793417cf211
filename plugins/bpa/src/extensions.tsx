import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { BPA_ENVIRONMENT_ANNOTATION } from '@internal/backstage-plugin-bpa-common';

// Entities registered for a BPA environment carry its annotation; predicates
// (rather than functions) let app-config override the filters.
const hasEnvironmentAnnotation = {
  [`metadata.annotations.${BPA_ENVIRONMENT_ANNOTATION}`]: { $exists: true },
};
const isEnvironmentSystem = { kind: 'system', ...hasEnvironmentAnnotation };
const isEnvironmentComponent = {
  kind: 'component',
  ...hasEnvironmentAnnotation,
};

/** `entity-card:bpa/environment`: region, account, resources and components of an environment. */
export const environmentCard = EntityCardBlueprint.make({
  name: 'environment',
  params: {
    filter: isEnvironmentSystem,
    loader: () =>
      import('./components/EnvironmentCard').then(m => <m.EnvironmentCard />),
  },
});

/** `entity-card:bpa/environment-status`: what is running in AWS, Atlas and Kubernetes, checked every 30 seconds. */
export const environmentStatusCard = EntityCardBlueprint.make({
  name: 'environment-status',
  params: {
    filter: isEnvironmentSystem,
    loader: () =>
      import('./components/EnvironmentStatusCard').then(m => (
        <m.EnvironmentStatusCard />
      )),
  },
});

/** `entity-card:bpa/environment-history`: the tasks that touched the environment, who ran them, when and with what result. */
export const environmentHistoryCard = EntityCardBlueprint.make({
  name: 'environment-history',
  params: {
    filter: isEnvironmentSystem,
    loader: () =>
      import('./components/EnvironmentHistoryCard').then(m => (
        <m.EnvironmentHistoryCard />
      )),
  },
});

/** `entity-content:bpa/architecture`: the picture of an environment, planned or live. */
export const environmentArchitectureContent = EntityContentBlueprint.make({
  name: 'architecture',
  params: {
    path: '/architecture',
    title: 'Architecture',
    filter: isEnvironmentSystem,
    loader: () =>
      import('./components/EnvironmentArchitectureContent').then(m => (
        <m.EnvironmentArchitectureContent />
      )),
  },
});

/** `entity-content:bpa/components`: the "BPA components" tab of an environment. */
export const environmentComponentsContent = EntityContentBlueprint.make({
  name: 'components',
  params: {
    path: '/bpa',
    title: 'BPA components',
    filter: isEnvironmentSystem,
    loader: () =>
      import('./components/EnvironmentComponentsContent').then(m => (
        <m.EnvironmentComponentsContent />
      )),
  },
});

/** `entity-card:bpa/component-environment`: on a BPA component, its environment and dependencies. */
export const componentEnvironmentCard = EntityCardBlueprint.make({
  name: 'component-environment',
  params: {
    type: 'info',
    filter: isEnvironmentComponent,
    loader: () =>
      import('./components/ComponentEnvironmentCard').then(m => (
        <m.ComponentEnvironmentCard />
      )),
  },
});

/** `entity-card:bpa/component-health`: on a BPA component, its workloads, pods and warning events. */
export const componentHealthCard = EntityCardBlueprint.make({
  name: 'component-health',
  params: {
    filter: isEnvironmentComponent,
    loader: () =>
      import('./components/ComponentHealthCard').then(m => (
        <m.ComponentHealthCard />
      )),
  },
});
