import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Read a service's log lines. A `catalog-entity` resource permission, so an
 * organisation's policy can restrict who reads which service's logs (by
 * ownership, say); Portolan's default grants it to every signed-in user.
 */
export const logsReadPermission = createPermission({
  name: 'logs.read',
  attributes: { action: 'read' },
  resourceType: 'catalog-entity',
});

export const logsPermissions = [logsReadPermission];
