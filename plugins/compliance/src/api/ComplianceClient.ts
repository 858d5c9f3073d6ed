import { CompoundEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import {
  ComplianceSummary,
  ServiceCompliance,
  Waiver,
} from '@portolan/plugin-compliance-common';
import {
  ComplianceApi,
  ComplianceChecksInfo,
  SummaryFilter,
} from './ComplianceApi';

const enc = encodeURIComponent;
const entityPath = (e: CompoundEntityRef) =>
  `/entities/${enc(e.kind)}/${enc(e.namespace)}/${enc(e.name)}`;

/** Talks to the compliance backend through discovery and the signed-in fetch. */
export class ComplianceClient implements ComplianceApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  getService(entity: CompoundEntityRef): Promise<ServiceCompliance> {
    return this.request(entityPath(entity));
  }

  getSummary(filter: SummaryFilter): Promise<ComplianceSummary> {
    const { team, ...rest } = filter;
    const query = new URLSearchParams(
      Object.entries(rest).filter(([, v]) => v) as Array<[string, string]>,
    ).toString();
    const path = team
      ? `/teams/${team
          .replace(/^group:/, '')
          .split('/')
          .map(enc)
          .join('/')}`
      : '/organisation';
    return this.request(`${path}${query ? `?${query}` : ''}`);
  }

  getChecks() {
    return this.request<ComplianceChecksInfo>('/checks');
  }

  async listWaivers(status?: 'pending' | 'approved' | 'rejected') {
    const page = await this.request<{ items: Waiver[] }>(
      `/waivers${status ? `?status=${status}` : ''}`,
    );
    return page.items;
  }

  requestWaiver(
    entity: CompoundEntityRef,
    body: { checkId: string; reason: string; expiresAt: string },
  ): Promise<Waiver> {
    return this.request(`${entityPath(entity)}/waivers`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  decideWaiver(id: string, approve: boolean, comment?: string) {
    return this.request<Waiver>(
      `/waivers/${enc(id)}/${approve ? 'approve' : 'reject'}`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(comment ? { comment } : {}),
      },
    );
  }

  async exportEvidence(from: string, to: string, format: 'csv' | 'json') {
    const base = await this.deps.discoveryApi.getBaseUrl('compliance');
    const res = await this.deps.fetchApi.fetch(
      `${base}/evidence?${new URLSearchParams({ from, to, format })}`,
    );
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return res.text();
  }

  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    const base = await this.deps.discoveryApi.getBaseUrl('compliance');
    const res = await this.deps.fetchApi.fetch(`${base}${path}`, init);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as T;
  }
}
