import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { logsReadPermission } from '@portolan/plugin-logs-common';
import { LRUCache } from 'lru-cache';
import { LogTarget } from '../search/LogSearchService';
import { LogScopeResolver } from './LogScopeResolver';

/**
 * Who may read which entity's logs (`logs.read` on the entity, which the
 * caller must also be able to see in the catalog), and where those logs
 * are: what the logs API and the logs actions both ask before a search.
 */
export class LogReadAccess {
  /**
   * A user's last granted reads, for a few seconds: paging, live tail and
   * the tab's parallel requests ask about the same entity many times a
   * minute, and each answer costs a catalog and a permission round trip.
   * Only grants are kept, per user and entity, so a revoked permission or
   * a moved owner takes effect within `grantTtlMs` (default 5 s; 0: never
   * kept). Refusals and missing entities are always asked again.
   */
  private readonly grants: LRUCache<string, { entity: Entity }> | undefined;

  constructor(
    private readonly deps: {
      permissions: PermissionsService;
      catalog: CatalogService;
      scopes: LogScopeResolver;
      grantTtlMs?: number;
    },
  ) {
    const ttl = deps.grantTtlMs ?? 5_000;
    this.grants =
      ttl > 0
        ? new LRUCache({ max: 5_000, ttl, ttlAutopurge: false })
        : undefined;
  }

  /** The entity refs among `refs` whose logs the caller may read. */
  async allowed(
    refs: string[],
    credentials: BackstageCredentials,
  ): Promise<Set<string>> {
    if (refs.length === 0) return new Set();
    const decisions = await this.deps.permissions.authorize(
      refs.map(resourceRef => ({
        permission: logsReadPermission,
        resourceRef,
      })),
      { credentials },
    );
    return new Set(
      refs.filter((_, i) => decisions[i].result === AuthorizeResult.ALLOW),
    );
  }

  /** The entity, if the caller may see it and read its logs, and where they are. */
  async readable(
    ref: string,
    credentials: BackstageCredentials,
  ): Promise<{ entity: Entity; target: LogTarget }> {
    const user = (credentials.principal as { userEntityRef?: string })
      .userEntityRef;
    const key = user ? `${user}\u0000${ref}` : undefined;
    let entity = key ? this.grants?.get(key)?.entity : undefined;
    if (!entity) {
      // Both are calls to other plugins: ask them at once, not one after the other.
      const [found, decision] = await Promise.all([
        this.deps.catalog.getEntityByRef(ref, { credentials }),
        this.allowed([ref], credentials),
      ]);
      if (!found) throw new NotFoundError(`No entity ${ref} in the catalog`);
      if (!decision.has(ref)) {
        throw new NotAllowedError(
          `You may not read the logs of ${ref} (permission logs.read)`,
        );
      }
      entity = found;
      if (key) this.grants?.set(key, { entity });
    }
    const { scope, client } = this.deps.scopes.resolve(entity);
    return {
      entity,
      target: { client, index: scope.index, scopes: [scope], key: ref },
    };
  }
}
