import { Entity } from '@backstage/catalog-model';
import fs from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { listCatalogFiles } from './CatalogDirectoryEntityProvider';

/** One entity read from a file of the demo catalog. */
export interface CatalogFileEntity {
  file: string;
  entity: Entity;
}

/**
 * Reads every YAML document of every catalog file under `dir`, as the
 * catalog does (one Location per file, see CatalogDirectoryEntityProvider).
 */
export function readCatalogFiles(dir: string): CatalogFileEntity[] {
  return listCatalogFiles(dir).flatMap(file =>
    parseAllDocuments(fs.readFileSync(file, 'utf8')).map(doc => {
      if (doc.errors.length) {
        throw new Error(`${file}: ${doc.errors[0].message}`);
      }
      return { file, entity: doc.toJSON() as Entity };
    }),
  );
}
