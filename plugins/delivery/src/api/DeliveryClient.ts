import { CompoundEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import {
  ClusterServicesResponse,
  DeploymentTimelinePage,
  DeploymentSummary,
  DoraMetrics,
  RolloutActionRequest,
  RolloutActionResponse,
  ServiceEnvironmentsResponse,
  ServiceRolloutsResponse,
} from '@portolan/plugin-delivery-common';
import { DeliveryApi, RolloutConflictError } from './DeliveryApi';

const enc = encodeURIComponent;

const entityPath = (e: CompoundEntityRef) =>
  `/entities/${enc(e.kind)}/${enc(e.namespace)}/${enc(e.name)}`;

function queryString(
  query: Record<string, string | number | undefined>,
): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

/** The browser's IANA time zone (days and weeks are counted there). */
const browserTimeZone = () =>
  new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Talks to the delivery backend through discovery and the signed-in fetch. */
export class DeliveryClient implements DeliveryApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  async getEnvironments(
    entity: CompoundEntityRef,
  ): Promise<ServiceEnvironmentsResponse> {
    return this.get(
      `/entities/${enc(entity.kind)}/${enc(entity.namespace)}/${enc(
        entity.name,
      )}/environments`,
    );
  }

  async getClusterServices(
    cluster: CompoundEntityRef,
  ): Promise<ClusterServicesResponse> {
    return this.get(
      `/clusters/${enc(cluster.namespace)}/${enc(cluster.name)}/services`,
    );
  }

  async getDeployments(
    entity: CompoundEntityRef,
    query: { environment?: string; cursor?: string; limit?: number } = {},
  ): Promise<DeploymentTimelinePage> {
    return this.get(`${entityPath(entity)}/deployments${queryString(query)}`);
  }

  async getOrganisationDeployments(
    query: {
      owner?: string;
      environment?: string;
      cursor?: string;
      limit?: number;
    } = {},
  ): Promise<DeploymentTimelinePage> {
    return this.get(`/deployments${queryString(query)}`);
  }

  async getDeploymentSummary(
    query: { owner?: string; environment?: string } = {},
  ): Promise<DeploymentSummary> {
    return this.get(
      `/deployments/summary${queryString({
        ...query,
        timeZone: browserTimeZone(),
      })}`,
    );
  }

  async getRollouts(
    entity: CompoundEntityRef,
  ): Promise<ServiceRolloutsResponse> {
    return this.get(`${entityPath(entity)}/rollouts`);
  }

  async controlRollout(
    entity: CompoundEntityRef,
    request: RolloutActionRequest,
  ): Promise<RolloutActionResponse> {
    const base = await this.deps.discoveryApi.getBaseUrl('delivery');
    const res = await this.deps.fetchApi.fetch(
      `${base}${entityPath(entity)}/rollouts/actions`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(request),
      },
    );
    if (res.status === 409) {
      const body = await res.json().catch(() => ({}));
      throw new RolloutConflictError(
        body?.error?.message ?? 'The rollout changed',
        body?.rollout,
      );
    }
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as RolloutActionResponse;
  }

  async getDora(
    subject:
      | { kind: 'entity'; ref: CompoundEntityRef }
      | { kind: 'team'; namespace: string; name: string },
    query: { weeks?: number; environment?: string } = {},
  ): Promise<DoraMetrics> {
    const path =
      subject.kind === 'entity'
        ? `${entityPath(subject.ref)}/dora`
        : `/teams/${enc(subject.namespace)}/${enc(subject.name)}/dora`;
    // Weeks start on Monday in the user's zone, computed by the server.
    return this.get(
      `${path}${queryString({ ...query, timeZone: browserTimeZone() })}`,
    );
  }

  private async get<T>(path: string): Promise<T> {
    const base = await this.deps.discoveryApi.getBaseUrl('delivery');
    const res = await this.deps.fetchApi.fetch(`${base}${path}`);
    if (!res.ok) {
      throw await ResponseError.fromResponse(res);
    }
    return (await res.json()) as T;
  }
}
