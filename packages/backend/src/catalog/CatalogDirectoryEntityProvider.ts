import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  EntityProvider,
  EntityProviderConnection,
  locationSpecToLocationEntity,
} from '@backstage/plugin-catalog-node';
import fs from 'node:fs';
import path from 'node:path';

/** Config key listing the directories of catalog files to register. */
export const CATALOG_DIRECTORIES_CONFIG_KEY = 'portolan.catalog.directories';

/** Every `.yaml`/`.yml` file under `dir`, recursively, sorted. */
export function listCatalogFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listCatalogFiles(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/**
 * Registers every YAML file under the configured directories as a Location
 * of its own.
 *
 * Why not one Location listing the files: the catalog processes a Location
 * and everything it reads in one pass, and one unparsable file fails the
 * whole pass, so a typo in one team's file would keep every sibling file
 * out of the catalog. One Location per file confines a bad file's error to
 * that file (shown on the "Unprocessed entities" admin page and in the
 * logs) while the rest of the organisation loads.
 */
export class CatalogDirectoryEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;

  static fromConfig(
    config: Config,
    deps: { logger: LoggerService; scheduler: SchedulerService },
  ): CatalogDirectoryEntityProvider {
    const raw =
      config.getOptionalStringArray(CATALOG_DIRECTORIES_CONFIG_KEY) ?? [];
    const directories = raw.map((dir, index) => {
      const resolved = path.resolve(dir);
      if (!fs.existsSync(resolved) || !fs.statSync(resolved).isDirectory()) {
        throw new Error(
          `Invalid config value at '${CATALOG_DIRECTORIES_CONFIG_KEY}[${index}]': ` +
            `'${dir}' (resolved to ${resolved}) is not a directory`,
        );
      }
      return resolved;
    });
    return new CatalogDirectoryEntityProvider(
      directories,
      deps.logger,
      deps.scheduler,
    );
  }

  private constructor(
    private readonly directories: string[],
    private readonly logger: LoggerService,
    private readonly scheduler: SchedulerService,
  ) {}

  getProviderName(): string {
    return 'portolan-catalog-directory';
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    await this.scheduler.scheduleTask({
      id: 'portolan-catalog-directory-refresh',
      // New and removed files are picked up within a minute; edits to
      // existing files follow the catalog's own refresh of each Location.
      frequency: { seconds: 60 },
      timeout: { seconds: 30 },
      initialDelay: { seconds: 0 },
      fn: () => this.refresh(),
    });
  }

  /** Replaces this provider's Locations with one per file found now. */
  async refresh(): Promise<void> {
    if (!this.connection) {
      throw new Error('CatalogDirectoryEntityProvider is not connected');
    }
    const files = this.directories.flatMap(dir => listCatalogFiles(dir));
    await this.connection.applyMutation({
      type: 'full',
      entities: files.map(file => ({
        locationKey: `${this.getProviderName()}:${file}`,
        entity: locationSpecToLocationEntity({
          location: { type: 'file', target: file },
        }),
      })),
    });
    this.logger.info(
      `Registered ${files.length} catalog files from ${this.directories.join(
        ', ',
      )}`,
    );
  }
}
