import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  createScaffolderTaskConditionalDecision,
  scaffolderTaskConditions,
} from '@backstage/plugin-scaffolder-backend/alpha';
import {
  AuthorizeResult,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { PERMISSION_RULES, PermissionRule } from './permissionRules';

/** Config key naming the groups whose members may act on every entity. */
export const ADMIN_GROUPS_CONFIG_KEY = 'portolan.permissions.adminGroups';

/**
 * Portolan's permission policy: deny by default.
 *
 * Every permission the portal knows is listed in {@link PERMISSION_RULES}
 * with who may use it: everyone signed in (reads, running a template),
 * the owners of the entity it touches (canary controls, onboarding an
 * existing service: a conditional decision the catalog resolves against
 * the entity's `spec.owner`), the owner of a scaffolder task, admins only
 * (catalog writes: registering, refreshing, deleting), or nobody (the
 * Kubernetes proxy, which would forward any write with the cluster's
 * service-account token). A permission that is not listed is denied, to
 * admins too, and logged once so a new plugin's permissions get a rule.
 *
 * Backend-to-backend calls carry a service principal (no `user`) and are
 * trusted: the calling plugin has already authorised its own caller.
 */
export class PortolanPermissionPolicy implements PermissionPolicy {
  static fromConfig(
    config: Config,
    options: {
      logger?: LoggerService;
      rules?: Record<string, PermissionRule>;
    } = {},
  ): PortolanPermissionPolicy {
    const raw = config.getOptionalStringArray(ADMIN_GROUPS_CONFIG_KEY) ?? [];
    const adminGroups = raw.map((ref, index) => {
      try {
        const parsed = parseEntityRef(ref, { defaultKind: 'group' });
        if (parsed.kind.toLocaleLowerCase('en-US') !== 'group') {
          throw new Error(`kind must be Group, got ${parsed.kind}`);
        }
        return stringifyEntityRef(parsed);
      } catch (error) {
        throw new Error(
          `Invalid config value at '${ADMIN_GROUPS_CONFIG_KEY}[${index}]': ` +
            `'${ref}' is not a group reference (${(error as Error).message})`,
        );
      }
    });
    return new PortolanPermissionPolicy(
      new Set(adminGroups),
      options.rules ?? PERMISSION_RULES,
      options.logger,
    );
  }

  private readonly reportedUnknown = new Set<string>();

  private constructor(
    private readonly adminGroups: ReadonlySet<string>,
    private readonly rules: Record<string, PermissionRule>,
    private readonly logger?: LoggerService,
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!user) {
      return { result: AuthorizeResult.ALLOW };
    }
    const { permission } = request;
    const rule = Object.prototype.hasOwnProperty.call(
      this.rules,
      permission.name,
    )
      ? this.rules[permission.name]
      : undefined;
    if (!rule) {
      if (!this.reportedUnknown.has(permission.name)) {
        this.reportedUnknown.add(permission.name);
        this.logger?.warn(
          `Permission '${permission.name}' has no rule in Portolan's policy and is denied; ` +
            'add it to packages/backend/src/permissions/permissionRules.ts',
        );
      }
      return { result: AuthorizeResult.DENY };
    }
    if (rule === 'nobody') {
      return { result: AuthorizeResult.DENY };
    }
    const claims = user.info.ownershipEntityRefs ?? [];
    if (claims.some(ref => this.adminGroups.has(ref))) {
      return { result: AuthorizeResult.ALLOW };
    }
    switch (rule) {
      case 'everyone':
        return { result: AuthorizeResult.ALLOW };
      case 'owner':
        // Writes on an entity belong to the team owning it.
        if (isResourcePermission(permission, 'catalog-entity')) {
          return createCatalogConditionalDecision(
            permission,
            catalogConditions.isEntityOwner({ claims }),
          );
        }
        return { result: AuthorizeResult.DENY };
      case 'taskOwner':
        if (isResourcePermission(permission, 'scaffolder-task')) {
          return createScaffolderTaskConditionalDecision(
            permission,
            scaffolderTaskConditions.isTaskOwner({
              createdBy: [user.info.userEntityRef],
            }),
          );
        }
        return { result: AuthorizeResult.DENY };
      case 'admin':
      default:
        return { result: AuthorizeResult.DENY };
    }
  }

  /** The admin groups in force, for diagnostics and tests. */
  get adminGroupRefs(): string[] {
    return [...this.adminGroups];
  }
}
