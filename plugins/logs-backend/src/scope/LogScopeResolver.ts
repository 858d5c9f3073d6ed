import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  KUBERNETES_ID_ANNOTATION,
  LOGS_CLUSTER_ANNOTATION,
  LOGS_ENVIRONMENT_FIELD_ANNOTATION,
  LOGS_INDEX_ANNOTATION,
  LOGS_SERVICE_ANNOTATION,
  LOGS_SERVICE_FIELD_ANNOTATION,
  LogScope,
  hasLogsAnnotations,
} from '@portolan/plugin-logs-common';
import { ServiceUnavailableError } from '@backstage/errors';
import { LogClusterClient } from '../elasticsearch/LogClusterClient';
import { indexPattern } from '../config/readLogsConfig';

const FIELD = /^[@A-Za-z0-9_][A-Za-z0-9_.@-]{0,199}$/;

/** Where an entity's logs are: its annotations over the cluster's defaults (ECS), validated. */
export class LogScopeResolver {
  constructor(private readonly clusters: LogClusterClient[]) {}

  cluster(name: string): LogClusterClient | undefined {
    return this.clusters.find(c => c.name === name);
  }

  resolve(entity: Entity): { scope: LogScope; client: LogClusterClient } {
    const a = entity.metadata.annotations ?? {};
    const ref = stringifyEntityRef(entity);
    const bad = (annotation: string, why: string) =>
      new InputError(`${ref} has an invalid ${annotation} annotation: ${why}`);
    if (this.clusters.length === 0) {
      throw new ServiceUnavailableError(
        'No Elasticsearch cluster is configured for logs (logs.clusters)',
      );
    }
    const clusterName = a[LOGS_CLUSTER_ANNOTATION];
    const client = clusterName ? this.cluster(clusterName) : this.clusters[0];
    if (!client)
      throw bad(
        LOGS_CLUSTER_ANNOTATION,
        `no cluster '${clusterName}' in logs.clusters`,
      );
    const index = a[LOGS_INDEX_ANNOTATION] ?? client.config.index;
    if (!indexPattern.safeParse(index).success)
      throw bad(
        LOGS_INDEX_ANNOTATION,
        'must be one index pattern, like logs-payments-*',
      );
    const serviceField =
      a[LOGS_SERVICE_FIELD_ANNOTATION] ?? client.config.fields.service;
    if (!FIELD.test(serviceField))
      throw bad(LOGS_SERVICE_FIELD_ANNOTATION, 'must be a field name');
    const environmentField =
      a[LOGS_ENVIRONMENT_FIELD_ANNOTATION] ?? client.config.fields.environment;
    if (!FIELD.test(environmentField))
      throw bad(LOGS_ENVIRONMENT_FIELD_ANNOTATION, 'must be a field name');
    const service =
      a[LOGS_SERVICE_ANNOTATION] ??
      a[KUBERNETES_ID_ANNOTATION] ??
      entity.metadata.name;
    if (!service || service.length > 256)
      throw bad(LOGS_SERVICE_ANNOTATION, 'must be a non-empty value');
    return {
      client,
      scope: {
        cluster: client.name,
        index,
        serviceField,
        service,
        environmentField,
        annotated: hasLogsAnnotations(entity),
      },
    };
  }
}
