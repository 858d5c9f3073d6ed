/** The fields Portolan reads from a log document; defaults follow the Elastic Common Schema. */
export interface LogFieldNames {
  timestamp: string;
  message: string;
  level: string;
  service: string;
  environment: string;
  namespace: string;
  pod: string;
  traceId: string;
}

export const ECS_LOG_FIELDS: LogFieldNames = {
  timestamp: '@timestamp',
  message: 'message',
  level: 'log.level',
  service: 'service.name',
  environment: 'service.environment',
  namespace: 'kubernetes.namespace',
  pod: 'kubernetes.pod.name',
  traceId: 'trace.id',
};
