import { CompoundEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { LogSearchQuery } from '@portolan/plugin-logs-common';
import { DeployMarker, LogSubject, LogsApi } from './LogsApi';

const enc = encodeURIComponent;
const entityPath = (e: CompoundEntityRef) =>
  `/entities/${enc(e.kind)}/${enc(e.namespace)}/${enc(e.name)}`;

function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    for (const one of ([] as unknown[]).concat(v ?? [])) {
      if (one !== undefined && one !== '') params.append(k, String(one));
    }
  }
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

/** Talks to the logs backend (and the delivery timeline for deploy markers) through discovery and the signed-in fetch. */
export class LogsClient implements LogsApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  getScope(entity: CompoundEntityRef) {
    return this.get<any>('logs', `${entityPath(entity)}/scope`);
  }

  search(subject: LogSubject, query: LogSearchQuery) {
    const base =
      subject.kind === 'entity'
        ? entityPath(subject.ref)
        : `/teams/${enc(subject.namespace)}/${enc(subject.name)}`;
    return this.get<any>(
      'logs',
      `${base}/search${queryString({ ...query, filter: query.filter })}`,
    );
  }

  tail(entity: CompoundEntityRef, query: LogSearchQuery, tailCursor: string) {
    return this.get<any>(
      'logs',
      `${entityPath(entity)}/tail${queryString({
        ...query,
        cursor: undefined,
        tailCursor,
      })}`,
    );
  }

  getContext(entity: CompoundEntityRef, lineId: string, size = 20) {
    return this.get<any>(
      'logs',
      `${entityPath(entity)}/lines/${enc(lineId)}/context?size=${size}`,
    );
  }

  getFields(entity: CompoundEntityRef) {
    return this.get<any>('logs', `${entityPath(entity)}/fields`);
  }

  getTrace(traceId: string) {
    return this.get<any>('logs', `/traces/${enc(traceId)}`);
  }

  async exportLines(
    entity: CompoundEntityRef,
    query: LogSearchQuery,
    format: 'ndjson' | 'csv',
  ): Promise<Blob> {
    const base = await this.deps.discoveryApi.getBaseUrl('logs');
    const res = await this.deps.fetchApi.fetch(
      `${base}${entityPath(entity)}/export${queryString({
        ...query,
        cursor: undefined,
        size: undefined,
        format,
      })}`,
    );
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return res.blob();
  }

  async getDeploys(
    entity: CompoundEntityRef,
    from: string,
    to: string,
  ): Promise<DeployMarker[]> {
    try {
      const page = await this.get<{ items: DeployMarker[] }>(
        'delivery',
        `${entityPath(entity)}/deployments${queryString({
          from,
          to,
          limit: 200,
        })}`,
      );
      return page.items;
    } catch {
      // Deploy markers are extra: the logs show without them.
      return [];
    }
  }

  private async get<T>(plugin: string, path: string): Promise<T> {
    const base = await this.deps.discoveryApi.getBaseUrl(plugin);
    const res = await this.deps.fetchApi.fetch(`${base}${path}`);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as T;
  }
}
