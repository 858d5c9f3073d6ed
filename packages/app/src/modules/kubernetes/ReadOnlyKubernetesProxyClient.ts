import { ResponseError } from '@backstage/errors';
import { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { KubernetesProxyApi } from '@backstage/plugin-kubernetes-react';

type Event = Awaited<
  ReturnType<KubernetesProxyApi['getEventsByInvolvedObjectName']>
>[number];

const enc = encodeURIComponent;

/**
 * The Kubernetes tab's pod logs and events, through Portolan's read-only
 * route (`/api/delivery/clusters/...`, bound to services the user can
 * read) instead of the Kubernetes proxy, which Portolan closes because it
 * would forward writes with the cluster's credentials. Deleting a pod from
 * the portal is not offered.
 */
export class ReadOnlyKubernetesProxyClient implements KubernetesProxyApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  async getPodLogs(request: {
    podName: string;
    namespace: string;
    clusterName: string;
    containerName: string;
    previous?: boolean;
  }): Promise<{ text: string }> {
    const params = new URLSearchParams({ container: request.containerName });
    if (request.previous) params.set('previous', 'true');
    const res = await this.get(
      `/clusters/${enc(request.clusterName)}/namespaces/${enc(
        request.namespace,
      )}/pods/${enc(request.podName)}/log?${params}`,
    );
    return { text: await res.text() };
  }

  async getEventsByInvolvedObjectName(request: {
    clusterName: string;
    involvedObjectName: string;
    namespace: string;
  }): Promise<Event[]> {
    const res = await this.get(
      `/clusters/${enc(request.clusterName)}/namespaces/${enc(
        request.namespace,
      )}/objects/${enc(request.involvedObjectName)}/events`,
    );
    return ((await res.json()) as { items: Event[] }).items;
  }

  async deletePod(): Promise<{ text: string }> {
    throw new Error(
      'Deleting pods is not possible from Portolan: the cluster is changed through Git and Argo CD',
    );
  }

  private async get(path: string): Promise<Response> {
    const base = await this.deps.discoveryApi.getBaseUrl('delivery');
    const res = await this.deps.fetchApi.fetch(`${base}${path}`);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return res;
  }
}
