import { CompoundEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import {
  ClusterServicesResponse,
  DeploymentTimelinePage,
  ServiceEnvironmentsResponse,
} from '@portolan/plugin-delivery-common';
import { DeliveryApi } from './DeliveryApi';

const enc = encodeURIComponent;

/** Talks to the delivery backend through discovery and the signed-in fetch. */
export class DeliveryClient implements DeliveryApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  async getEnvironments(
    entity: CompoundEntityRef,
  ): Promise<ServiceEnvironmentsResponse> {
    return this.get(
      `/entities/${enc(entity.kind)}/${enc(entity.namespace)}/${enc(entity.name)}/environments`,
    );
  }

  async getClusterServices(
    cluster: CompoundEntityRef,
  ): Promise<ClusterServicesResponse> {
    return this.get(`/clusters/${enc(cluster.namespace)}/${enc(cluster.name)}/services`);
  }

  async getDeployments(
    entity: CompoundEntityRef,
    query: { environment?: string; cursor?: string; limit?: number } = {},
  ): Promise<DeploymentTimelinePage> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== '') params.set(k, String(v));
    }
    const qs = params.toString();
    return this.get(
      `/entities/${enc(entity.kind)}/${enc(entity.namespace)}/${enc(entity.name)}/deployments${qs ? `?${qs}` : ''}`,
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
