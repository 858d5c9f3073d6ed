import { CompoundEntityRef } from '@backstage/catalog-model';
import { createApiRef } from '@backstage/frontend-plugin-api';
import {
  LogContextResponse,
  LogFieldsResponse,
  LogScope,
  LogSearchQuery,
  LogSearchResponse,
  LogTailResponse,
  TraceResponse,
} from '@portolan/plugin-logs-common';

/** Where a search runs: one entity, or a team's services. */
export type LogSubject =
  | { kind: 'entity'; ref: CompoundEntityRef }
  | { kind: 'team'; namespace: string; name: string };

export interface DeployMarker {
  startedAt: string;
  environment: string;
  result: string;
  revision: string;
  message?: string;
}

export interface LogsApi {
  getScope(
    entity: CompoundEntityRef,
  ): Promise<{ scope: LogScope; kibana: boolean; exportLimit: number }>;
  search(
    subject: LogSubject,
    query: LogSearchQuery,
  ): Promise<
    LogSearchResponse & {
      otherClusters?: Array<{ cluster: string; services: string[] }>;
    }
  >;
  tail(
    entity: CompoundEntityRef,
    query: LogSearchQuery,
    tailCursor: string,
  ): Promise<LogTailResponse>;
  getContext(
    entity: CompoundEntityRef,
    lineId: string,
    size?: number,
  ): Promise<LogContextResponse>;
  getFields(entity: CompoundEntityRef): Promise<LogFieldsResponse>;
  getTrace(traceId: string): Promise<TraceResponse>;
  exportLines(
    entity: CompoundEntityRef,
    query: LogSearchQuery,
    format: 'ndjson' | 'csv',
  ): Promise<Blob>;
  /** The entity's deploys in a time range, from the delivery timeline (empty when it has none). */
  getDeploys(
    entity: CompoundEntityRef,
    from: string,
    to: string,
  ): Promise<DeployMarker[]>;
}

export const logsApiRef = createApiRef<LogsApi>({ id: 'plugin.logs' });
