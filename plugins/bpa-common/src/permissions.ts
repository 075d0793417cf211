/**
 * Who may do what with a BPA environment: permissions of Backstage's
 * permission framework, checked by every BPA scaffolder action (with the task
 * initiator's credentials) and by the status API (with the caller's).
 *
 * They are resource permissions on the environment's System in the catalog,
 * as the catalog's own permissions are: a policy answers with catalog
 * conditions (owner, annotations such as the AWS account), which the catalog
 * applies to the System when it exists, and the actions apply to the System
 * the request would register when it does not exist yet.
 */
import {
  DEFAULT_NAMESPACE,
  Entity,
  RELATION_OWNED_BY,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/** Reading an environment: its recorded request, live status and history. */
export const bpaEnvironmentReadPermission = createPermission({
  name: 'bpa.environment.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Planning an environment and registering it as planned: no cloud resource is touched. */
export const bpaEnvironmentPlanPermission = createPermission({
  name: 'bpa.environment.plan',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Creating an environment's cloud resources (an environment not applied before). */
export const bpaEnvironmentApplyPermission = createPermission({
  name: 'bpa.environment.apply',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Changing the cloud resources of an environment that is already applied. */
export const bpaEnvironmentChangePermission = createPermission({
  name: 'bpa.environment.change',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Deleting an environment's cloud resources and its catalog entities. */
export const bpaEnvironmentTeardownPermission = createPermission({
  name: 'bpa.environment.teardown',
  attributes: { action: 'delete' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Every BPA permission, for the permissions registry. */
export const bpaPermissions = [
  bpaEnvironmentReadPermission,
  bpaEnvironmentPlanPermission,
  bpaEnvironmentApplyPermission,
  bpaEnvironmentChangePermission,
  bpaEnvironmentTeardownPermission,
];

/** The permissions that change cloud resources: the ones the policy keeps for owners and admins. */
export const bpaMutatingPermissionNames: readonly string[] = [
  bpaEnvironmentApplyPermission.name,
  bpaEnvironmentChangePermission.name,
  bpaEnvironmentTeardownPermission.name,
];

/** The catalog reference of an environment's System. */
export function environmentSystemRef(environment: string): string {
  return stringifyEntityRef({
    kind: 'System',
    namespace: DEFAULT_NAMESPACE,
    name: environment,
  });
}

/** An owner as the catalog relates it: `team-a` is `group:default/team-a`. */
export function ownerEntityRef(owner: string): string {
  return stringifyEntityRef(
    parseEntityRef(owner, {
      defaultKind: 'group',
      defaultNamespace: DEFAULT_NAMESPACE,
    }),
  );
}

/**
 * A System as the catalog will hold it once processed: with the `ownedBy`
 * relation the catalog derives from `spec.owner`, so permission conditions
 * (such as "is owned by one of the user's groups") apply to it as they will
 * to the catalog's copy.
 */
export function asProcessedSystem(system: Entity): Entity {
  const owner = system.spec?.owner;
  return {
    ...system,
    relations: [
      ...(system.relations ?? []),
      ...(typeof owner === 'string'
        ? [{ type: RELATION_OWNED_BY, targetRef: ownerEntityRef(owner) }]
        : []),
    ],
  };
}
