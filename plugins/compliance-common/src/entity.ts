import type { Entity } from '@backstage/catalog-model';

/** Compliance covers services: Components of type `service`. */
export function isComplianceAvailable(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'component' &&
    entity.spec?.type === 'service'
  );
}
