import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
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

/** Config key naming the groups whose members may act on every entity. */
export const ADMIN_GROUPS_CONFIG_KEY = 'portolan.permissions.adminGroups';

/**
 * Portolan's permission policy.
 *
 * - Anyone signed in may read.
 * - Creating things (registering a location, running a template) is open to
 *   every signed-in user: what they create is owned by the team they name.
 * - Changing or deleting a catalog entity, and every write that later
 *   plugins define as a `catalog-entity` resource permission (canary
 *   controls, waivers, budgets), is allowed to members of the entity's
 *   owning group ("ownership") and to the admin groups from config.
 * - Other writes (deleting locations, cancelling someone's task...) are
 *   for admins only.
 *
 * Backend-to-backend calls carry a service principal (no `user`) and are
 * trusted: the calling plugin has already authorised its own caller.
 */
export class PortolanPermissionPolicy implements PermissionPolicy {
  static fromConfig(config: Config): PortolanPermissionPolicy {
    const raw =
      config.getOptionalStringArray(ADMIN_GROUPS_CONFIG_KEY) ?? [];
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
    return new PortolanPermissionPolicy(new Set(adminGroups));
  }

  private constructor(private readonly adminGroups: ReadonlySet<string>) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!user) {
      return { result: AuthorizeResult.ALLOW };
    }
    const claims = user.info.ownershipEntityRefs ?? [];
    if (claims.some(ref => this.adminGroups.has(ref))) {
      return { result: AuthorizeResult.ALLOW };
    }

    const { permission } = request;
    const action = permission.attributes.action;
    if (action === undefined || action === 'read' || action === 'create') {
      return { result: AuthorizeResult.ALLOW };
    }

    // Ownership rules: writes on an entity belong to the team owning it.
    if (isResourcePermission(permission, 'catalog-entity')) {
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims }),
      );
    }
    return { result: AuthorizeResult.DENY };
  }

  /** The admin groups in force, for diagnostics and tests. */
  get adminGroupRefs(): string[] {
    return [...this.adminGroups];
  }
}
