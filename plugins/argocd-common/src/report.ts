/** `GET /api/catalog/portolan/argocd-report`: the catalog's claims vs Argo CD. */
export interface ArgoCdReport {
  instances: Array<{
    instance: string;
    ok: boolean;
    error?: string;
    fetchedAt?: string;
    apps: number;
  }>;
  /** Apps no catalog entity's annotations select. */
  unclaimedApps: Array<{
    instance: string;
    name: string;
    cluster?: string;
    project?: string;
  }>;
  /** Apps that more than one entity claims: none of them gets the app. */
  contestedApps: Array<{ instance: string; name: string; claimedBy: string[] }>;
  /** Entities whose annotations select nothing. */
  missingApps: Array<{
    entityRef: string;
    annotation: string;
    value: string;
    searched: string[];
  }>;
}
