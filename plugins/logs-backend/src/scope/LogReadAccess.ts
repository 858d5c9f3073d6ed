import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { logsReadPermission } from '@portolan/plugin-logs-common';
import { LogTarget } from '../search/LogSearchService';
import { LogScopeResolver } from './LogScopeResolver';

/**
 * Who may read which entity's logs (`logs.read` on the entity, which the
 * caller must also be able to see in the catalog), and where those logs
 * are: what the logs API and the logs actions both ask before a search.
 */
export class LogReadAccess {
  constructor(
    private readonly deps: {
      permissions: PermissionsService;
      catalog: CatalogService;
      scopes: LogScopeResolver;
    },
  ) {}

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
    // Both are calls to other plugins: ask them at once, not one after the other.
    const [entity, decision] = await Promise.all([
      this.deps.catalog.getEntityByRef(ref, { credentials }),
      this.allowed([ref], credentials),
    ]);
    if (!entity) throw new NotFoundError(`No entity ${ref} in the catalog`);
    if (!decision.has(ref)) {
      throw new NotAllowedError(
        `You may not read the logs of ${ref} (permission logs.read)`,
      );
    }
    const { scope, client } = this.deps.scopes.resolve(entity);
    return {
      entity,
      target: { client, index: scope.index, scopes: [scope], key: ref },
    };
  }
}
