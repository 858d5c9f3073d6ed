import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { kubernetesResourcesReadPermission } from '@backstage/plugin-kubernetes-common';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  claimSelectorProblem,
  matchesSelector,
  parseSelector,
} from '@portolan/argocd-common';
import {
  KUBERNETES_NAMESPACE_ANNOTATION,
  kubernetesSelectorOf,
} from '@portolan/plugin-delivery-common';
import { RolloutsClient } from '../clients/RolloutsClient';
import { WORKLOAD_SERVICES_REQUEST } from './workloadServices';

export interface PodRef {
  cluster: string;
  namespace: string;
  pod: string;
}

/**
 * The read-only path for what the Kubernetes tab needs beyond its own
 * routes — a pod's log and an object's events — now that the Kubernetes
 * proxy (which would also forward writes) is closed. Only for pods and
 * namespaces of a service the caller can read in the catalog: the pod's
 * labels must match that service's workload selector (and its namespace
 * annotation, if any). Anything else answers the same 404.
 */
export class PodReadService {
  static create(deps: {
    clients: RolloutsClient[];
    catalog: CatalogService;
    permissions: PermissionsService;
  }) {
    return new PodReadService(
      new Map(deps.clients.map(c => [c.cluster.name, c])),
      deps.catalog,
      deps.permissions,
    );
  }

  private constructor(
    private readonly clients: Map<string, RolloutsClient>,
    private readonly catalog: CatalogService,
    private readonly permissions: PermissionsService,
  ) {}

  async podLog(
    ref: PodRef,
    options: { container?: string; previous?: boolean; tailLines?: number },
    credentials: BackstageCredentials,
  ): Promise<{ entityRef: string; text: string }> {
    await this.mayRead(credentials);
    const client = this.client(ref);
    const owner = await this.ownerOfPod(client, ref, credentials);
    const text = await client.readPodLog(ref.namespace, ref.pod, options);
    return { entityRef: owner, text };
  }

  async events(ref: PodRef, credentials: BackstageCredentials) {
    await this.mayRead(credentials);
    const client = this.client(ref);
    // Events of a pod: the pod must be a readable service's. Of another
    // object (a Deployment, a Rollout): its namespace must be one.
    try {
      await this.ownerOfPod(client, ref, credentials);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      const services = await this.readableServices(credentials);
      if (
        !services.some(
          s =>
            s.metadata.annotations?.[KUBERNETES_NAMESPACE_ANNOTATION] ===
            ref.namespace,
        )
      ) {
        throw this.notFound(ref);
      }
    }
    return client.listEvents(ref.namespace, ref.pod);
  }

  private async mayRead(credentials: BackstageCredentials) {
    const [decision] = await this.permissions.authorize(
      [{ permission: kubernetesResourcesReadPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError('You may not read Kubernetes resources');
    }
  }

  private client(ref: PodRef): RolloutsClient {
    const client = this.clients.get(ref.cluster);
    if (!client) throw this.notFound(ref);
    return client;
  }

  private notFound(ref: PodRef) {
    return new NotFoundError(
      `No service you can read runs ${ref.namespace}/${ref.pod} in cluster ${ref.cluster}`,
    );
  }

  private async ownerOfPod(
    client: RolloutsClient,
    ref: PodRef,
    credentials: BackstageCredentials,
  ) {
    let labels: Record<string, string>;
    try {
      labels = await client.getPodLabels(ref.namespace, ref.pod);
    } catch (error) {
      if (error instanceof NotFoundError) throw this.notFound(ref);
      throw error;
    }
    const owner = (await this.readableServices(credentials)).find(service => {
      const selector = kubernetesSelectorOf(service);
      const namespace =
        service.metadata.annotations?.[KUBERNETES_NAMESPACE_ANNOTATION];
      return (
        selector &&
        !claimSelectorProblem(selector) &&
        (!namespace || namespace === ref.namespace) &&
        matchesSelector(labels, parseSelector(selector))
      );
    });
    if (!owner) throw this.notFound(ref);
    return stringifyEntityRef(owner);
  }

  /** Services with workload annotations, as the caller may read them. */
  private async readableServices(
    credentials: BackstageCredentials,
  ): Promise<Entity[]> {
    const { items } = await this.catalog.getEntities(
      WORKLOAD_SERVICES_REQUEST,
      { credentials },
    );
    return items;
  }
}
