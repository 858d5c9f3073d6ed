import { Entity } from '@backstage/catalog-model';
import {
  CatalogProcessor,
  CatalogProcessorEmit,
  LocationSpec,
  processingResult,
} from '@backstage/plugin-catalog-node';
import {
  MONTHLY_BUDGET_ANNOTATION,
  parseBudgetAnnotation,
} from '@portolan/plugin-finops-common';

/**
 * A `portolan.dev/monthly-budget` that is not a positive amount, or names a
 * currency other than `finops.currency`, is a processing error on the
 * entity (shown on its page and in "Unprocessed entities").
 */
export class BudgetAnnotationProcessor implements CatalogProcessor {
  constructor(private readonly currency: string) {}

  getProcessorName(): string {
    return 'PortolanBudgetAnnotationProcessor';
  }

  async postProcessEntity(
    entity: Entity,
    location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    const value = entity.metadata.annotations?.[MONTHLY_BUDGET_ANNOTATION];
    const kind = entity.kind.toLocaleLowerCase('en-US');
    if (value === undefined) return entity;
    if (kind !== 'component' && kind !== 'group') {
      emit(
        processingResult.inputError(
          location,
          `${MONTHLY_BUDGET_ANNOTATION} is only read on Components and Groups, not on a ${entity.kind}`,
        ),
      );
      return entity;
    }
    try {
      parseBudgetAnnotation(value, this.currency);
    } catch (error) {
      emit(processingResult.inputError(location, (error as Error).message));
    }
    return entity;
  }
}
