import { CompoundEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import {
  DeployMarker,
  EntityCostResponse,
  OrganisationCostResponse,
  RightsizingResponse,
  SetBudgetResponse,
  TeamCostResponse,
} from '@portolan/plugin-finops-common';
import { FinopsApi } from './FinopsApi';

const enc = encodeURIComponent;
const entityPath = (e: CompoundEntityRef) =>
  `/entities/${enc(e.kind)}/${enc(e.namespace)}/${enc(e.name)}`;

/** Talks to the FinOps backend (and the delivery API for deploys) through discovery and the signed-in fetch. */
export class FinopsClient implements FinopsApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  getEntityCost(entity: CompoundEntityRef): Promise<EntityCostResponse> {
    return this.request('finops', `${entityPath(entity)}/costs`);
  }

  getRightsizing(entity: CompoundEntityRef): Promise<RightsizingResponse> {
    return this.request('finops', `${entityPath(entity)}/rightsizing`);
  }

  setBudget(
    entity: CompoundEntityRef,
    amount: number | null | string,
  ): Promise<SetBudgetResponse> {
    return this.request('finops', `${entityPath(entity)}/budget`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ amount }),
    });
  }

  getTeamCost(team: CompoundEntityRef): Promise<TeamCostResponse> {
    return this.request(
      'finops',
      `/teams/${enc(team.namespace)}/${enc(team.name)}`,
    );
  }

  getOrganisationCost(): Promise<OrganisationCostResponse> {
    return this.request('finops', '/organisation');
  }

  async getDeploys(
    entity: CompoundEntityRef,
    since: string,
  ): Promise<DeployMarker[]> {
    const page = await this.request<{
      items: Array<{
        revision: string;
        environment: string;
        startedAt: string;
        result: string;
        commit?: { message?: string };
      }>;
    }>(
      'delivery',
      `${entityPath(entity)}/deployments?limit=200&from=${enc(
        `${since}T00:00:00Z`,
      )}`,
    );
    return page.items.map(d => ({
      revision: d.revision,
      environment: d.environment,
      startedAt: d.startedAt,
      result: d.result,
      message: d.commit?.message,
    }));
  }

  private async request<T>(
    pluginId: string,
    path: string,
    init?: RequestInit,
  ): Promise<T> {
    const base = await this.deps.discoveryApi.getBaseUrl(pluginId);
    const res = await this.deps.fetchApi.fetch(`${base}${path}`, init);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as T;
  }
}
