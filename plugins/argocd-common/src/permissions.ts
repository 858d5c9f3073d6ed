import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Read the Argo CD ↔ catalog report: every app on every instance, including
 * those no service claims (names of other teams' apps and projects).
 */
export const argoCdReportReadPermission = createPermission({
  name: 'portolan.argocd.report.read',
  attributes: { action: 'read' },
});

export const argoCdPermissions = [argoCdReportReadPermission];
