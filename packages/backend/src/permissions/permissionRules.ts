import {
  catalogEntityCreatePermission,
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogEntityRefreshPermission,
  catalogEntityValidatePermission,
  catalogLocationAnalyzePermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
  catalogLocationReadPermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  kubernetesClustersReadPermission,
  kubernetesProxyPermission,
  kubernetesResourcesReadPermission,
} from '@backstage/plugin-kubernetes-common';
import {
  actionExecutePermission,
  taskCancelPermission,
  taskCreatePermission,
  taskReadPermission,
  templateManagementPermission,
  templateParameterReadPermission,
  templateStepReadPermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import { Config } from '@backstage/config';
import { Permission } from '@backstage/plugin-permission-common';
import { argoCdReportReadPermission } from '@portolan/argocd-common';
import { rolloutControlPermission } from '@portolan/plugin-delivery-common';
import {
  finopsBudgetSetPermission,
  finopsCostReadPermission,
} from '@portolan/plugin-finops-common';
import { logsReadPermission } from '@portolan/plugin-logs-common';
import {
  complianceWaiverApprovePermission,
  complianceWaiverRequestPermission,
} from '@portolan/plugin-compliance-common';
import { serviceUpdatePermission } from '@portolan/plugin-scaffolder-backend-module-portolan';

/**
 * Who may use a permission (members of an admin group may use every
 * permission except those for `nobody`):
 * - `everyone`: every signed-in user;
 * - `owner`: members of the group owning the catalog entity it names;
 * - `taskOwner`: the user who started the scaffolder task;
 * - `admin`: admin groups only;
 * - `nobody`: not even admins.
 */
export type PermissionRule =
  | 'everyone'
  | 'owner'
  | 'taskOwner'
  | 'admin'
  | 'nobody';

function rules(entries: Array<[Permission | string, PermissionRule]>) {
  return Object.fromEntries(
    entries.map(([p, rule]) => [typeof p === 'string' ? p : p.name, rule]),
  ) as Record<string, PermissionRule>;
}

/**
 * Every permission Portolan knows, and who may use it. A permission missing
 * here is denied: a plugin added to the backend gets no write until its
 * permissions are given a rule.
 */
export const PERMISSION_RULES: Record<string, PermissionRule> = rules([
  // Catalog: reading is open; the catalog's contents are admin business.
  // Services arrive through templates (whose register step checks the
  // initiator and registers with the scaffolder's own credentials) or
  // through catalog/ in Git (reviewed there).
  [catalogEntityReadPermission, 'everyone'],
  [catalogLocationReadPermission, 'everyone'],
  [catalogEntityValidatePermission, 'everyone'],
  ['catalog.entities.unprocessed.read', 'everyone'],
  ['catalog.ingestion.read', 'everyone'],
  [catalogEntityCreatePermission, 'admin'],
  [catalogEntityRefreshPermission, 'admin'],
  [catalogEntityDeletePermission, 'admin'],
  [catalogLocationCreatePermission, 'admin'],
  [catalogLocationDeletePermission, 'admin'],
  [catalogLocationAnalyzePermission, 'admin'],
  ['catalog.entities.unprocessed.delete', 'admin'],
  ['catalog.ingestion.manage', 'admin'],

  // Scaffolder: anyone may run a template; Portolan's actions check that
  // the initiator may touch what the run would create or change.
  [templateParameterReadPermission, 'everyone'],
  [templateStepReadPermission, 'everyone'],
  [actionExecutePermission, 'everyone'],
  [taskCreatePermission, 'everyone'],
  ['scaffolder.template.dry-run', 'everyone'],
  [taskReadPermission, 'taskOwner'],
  [taskCancelPermission, 'taskOwner'],
  [templateManagementPermission, 'admin'],

  // Kubernetes: reads through the plugin's own routes; the proxy would
  // forward any request, writes included, with the cluster's token.
  [kubernetesClustersReadPermission, 'everyone'],
  [kubernetesResourcesReadPermission, 'everyone'],
  [kubernetesProxyPermission, 'nobody'],

  // Portolan.
  [argoCdReportReadPermission, 'admin'],
  [rolloutControlPermission, 'owner'],
  // FinOps: costs are open to everyone signed in; a service's budget is its owners'.
  [finopsCostReadPermission, 'everyone'],
  [finopsBudgetSetPermission, 'owner'],
  // Logs: every signed-in user by default; an organisation may restrict it
  // (portolan.permissions.rules: [{ permission: logs.read, rule: owner }]).
  [logsReadPermission, 'everyone'],
  // Compliance: a service's owners ask for waivers; approving is for the
  // approver groups, which the compliance backend checks itself
  // (compliance.waivers.approverGroups, default the admin groups).
  [complianceWaiverRequestPermission, 'owner'],
  [complianceWaiverApprovePermission, 'everyone'],
  // Onboarding: the scaffolder module's check that the initiator may change
  // the service a template run touches.
  [serviceUpdatePermission, 'owner'],
]);

const RULE_NAMES: PermissionRule[] = [
  'everyone',
  'owner',
  'taskOwner',
  'admin',
  'nobody',
];

/**
 * The rules in force: {@link PERMISSION_RULES} with the organisation's
 * overrides from `portolan.permissions.rules` (a list of `{ permission,
 * rule }`), e.g. `logs.read: owner` so only a service's team reads its logs.
 */
export function permissionRulesFromConfig(
  config: Config,
): Record<string, PermissionRule> {
  const inForce = { ...PERMISSION_RULES };
  (config.getOptionalConfigArray('portolan.permissions.rules') ?? []).forEach(
    (entry, i) => {
      const permission = entry.getString('permission');
      const rule = entry.getString('rule') as PermissionRule;
      if (!RULE_NAMES.includes(rule)) {
        throw new Error(
          `Invalid config value at 'portolan.permissions.rules[${i}].rule': must be one of ${RULE_NAMES.join(
            ', ',
          )}`,
        );
      }
      inForce[permission] = rule;
    },
  );
  return inForce;
}
