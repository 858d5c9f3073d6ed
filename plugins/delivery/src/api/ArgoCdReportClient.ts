import { ResponseError } from '@backstage/errors';
import { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { ArgoCdReport } from '@portolan/argocd-common';

/**
 * Reads the catalog module's Argo CD ↔ catalog report
 * (`GET /api/catalog/portolan/argocd-report`, admins only).
 */
export class ArgoCdReportClient {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  async getReport(): Promise<ArgoCdReport> {
    const base = await this.deps.discoveryApi.getBaseUrl('catalog');
    const res = await this.deps.fetchApi.fetch(
      `${base}/portolan/argocd-report`,
    );
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as ArgoCdReport;
  }
}
