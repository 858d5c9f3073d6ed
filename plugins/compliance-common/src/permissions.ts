import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Ask to waive a failing check of a service: a `catalog-entity` resource
 * permission, so the policy makes it conditional on owning the service.
 */
export const complianceWaiverRequestPermission = createPermission({
  name: 'compliance.waiver.request',
  attributes: { action: 'create' },
  resourceType: 'catalog-entity',
});

/** Approve or reject a waiver: the approver group (Portolan's admin groups). */
export const complianceWaiverApprovePermission = createPermission({
  name: 'compliance.waiver.approve',
  attributes: { action: 'update' },
});

export const compliancePermissions = [
  complianceWaiverRequestPermission,
  complianceWaiverApprovePermission,
];
