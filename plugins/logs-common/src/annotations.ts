import { Entity } from '@backstage/catalog-model';

/** Which configured Elasticsearch cluster holds the service's logs (`logs.clusters[].name`). */
export const LOGS_CLUSTER_ANNOTATION = 'portolan.dev/logs-cluster';
/** Index pattern of the service's logs, e.g. `logs-payments-*` (default: the cluster's `index`). */
export const LOGS_INDEX_ANNOTATION = 'portolan.dev/logs-index';
/** The value identifying the service in its log lines (default: `backstage.io/kubernetes-id`, else the entity name). */
export const LOGS_SERVICE_ANNOTATION = 'portolan.dev/logs-service';
/** The field holding that value (default: the cluster's `fields.service`, ECS `service.name`). */
export const LOGS_SERVICE_FIELD_ANNOTATION = 'portolan.dev/logs-service-field';
/** The field holding the environment (default: the cluster's `fields.environment`, ECS `service.environment`). */
export const LOGS_ENVIRONMENT_FIELD_ANNOTATION =
  'portolan.dev/logs-environment-field';

/** The Kubernetes plugin's id annotation: the service's default name in its logs. */
export const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';

export const LOGS_ANNOTATIONS = [
  LOGS_CLUSTER_ANNOTATION,
  LOGS_INDEX_ANNOTATION,
  LOGS_SERVICE_ANNOTATION,
  LOGS_SERVICE_FIELD_ANNOTATION,
  LOGS_ENVIRONMENT_FIELD_ANNOTATION,
] as const;

/** True for the entities that have a Logs tab: services and other components. */
export function isLogsAvailable(entity: Entity): boolean {
  return entity.kind.toLocaleLowerCase('en-US') === 'component';
}

/**
 * True when the entity says where its logs are (a logs annotation, or the
 * Kubernetes id its pods log under); otherwise the default scope applies
 * (the entity's name in the default index) and the UI says how to configure it.
 */
export function hasLogsAnnotations(entity: Entity): boolean {
  const a = entity.metadata.annotations ?? {};
  return LOGS_ANNOTATIONS.some(k => !!a[k]) || !!a[KUBERNETES_ID_ANNOTATION];
}
