import { Entity } from '@backstage/catalog-model';

/** Argo CD annotations, the same Roadie's and Red Hat's plugins read. */
export const ARGOCD_APP_NAME_ANNOTATION = 'argocd/app-name';
export const ARGOCD_APP_SELECTOR_ANNOTATION = 'argocd/app-selector';
export const ARGOCD_INSTANCE_ANNOTATION = 'argocd/instance-name';
/** On cluster Resources: the environment the cluster serves. */
export const ENVIRONMENT_ANNOTATION = 'portolan.dev/environment';
/** On cluster Resources: the Argo CD instance deploying to the cluster. */
export const CLUSTER_ARGOCD_INSTANCE_ANNOTATION = 'portolan.dev/argocd-instance';
/** The Resource type of Kubernetes clusters. */
export const KUBERNETES_CLUSTER_TYPE = 'kubernetes-cluster';

/** True for entities whose Argo CD apps Portolan can find. */
export function isDeliveryAvailable(entity: Entity): boolean {
  const a = entity.metadata.annotations ?? {};
  return Boolean(a[ARGOCD_APP_NAME_ANNOTATION] || a[ARGOCD_APP_SELECTOR_ANNOTATION]);
}

/** True for cluster Resources. */
export function isKubernetesCluster(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'resource' &&
    entity.spec?.type === KUBERNETES_CLUSTER_TYPE
  );
}

/** The Kubernetes plugin's own annotations, which Portolan reads too. */
export const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';
export const KUBERNETES_LABEL_SELECTOR_ANNOTATION = 'backstage.io/kubernetes-label-selector';
export const KUBERNETES_NAMESPACE_ANNOTATION = 'backstage.io/kubernetes-namespace';

/** The label selector finding a service's workloads, if it has one. */
export function kubernetesSelectorOf(entity: Entity): string | undefined {
  const a = entity.metadata.annotations ?? {};
  if (a[KUBERNETES_LABEL_SELECTOR_ANNOTATION]) return a[KUBERNETES_LABEL_SELECTOR_ANNOTATION];
  if (a[KUBERNETES_ID_ANNOTATION]) return `${KUBERNETES_ID_ANNOTATION}=${a[KUBERNETES_ID_ANNOTATION]}`;
  return undefined;
}

/** True for entities whose Argo Rollouts Portolan can find. */
export function isRolloutsAvailable(entity: Entity): boolean {
  return kubernetesSelectorOf(entity) !== undefined;
}
