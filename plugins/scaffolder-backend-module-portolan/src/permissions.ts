import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Change a service through Git onboarding: add an environment, push to its
 * repository, create its Argo CD apps. A `catalog-entity` resource
 * permission with action `update`, so the policy makes it conditional on
 * owning the entity (members of the owning group) or an admin group.
 */
export const serviceUpdatePermission = createPermission({
  name: 'portolan.service.update',
  attributes: { action: 'update' },
  resourceType: 'catalog-entity',
});

export const scaffolderPortolanPermissions = [serviceUpdatePermission];
