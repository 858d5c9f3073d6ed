import { Entity } from '@backstage/catalog-model';

import { hasArgoCdAnnotations } from '@portolan/argocd-common';

// Argo CD's annotations live in argocd-common; re-exported for the
// delivery plugins' convenience.
export {
  ARGOCD_APP_NAME_ANNOTATION,
  ARGOCD_APP_SELECTOR_ANNOTATION,
  ARGOCD_INSTANCE_ANNOTATION,
  CLUSTER_ARGOCD_INSTANCE_ANNOTATION,
} from '@portolan/argocd-common';
/** On cluster Resources: the environment the cluster serves. */
export const ENVIRONMENT_ANNOTATION = 'portolan.dev/environment';
/** The Resource type of Kubernetes clusters. */
export const KUBERNETES_CLUSTER_TYPE = 'kubernetes-cluster';

/** True for entities whose Argo CD apps Portolan can find. */
export function isDeliveryAvailable(entity: Entity): boolean {
  return hasArgoCdAnnotations(entity);
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
export const KUBERNETES_LABEL_SELECTOR_ANNOTATION =
  'backstage.io/kubernetes-label-selector';
export const KUBERNETES_NAMESPACE_ANNOTATION =
  'backstage.io/kubernetes-namespace';

/** The label selector finding a service's workloads, if it has one. */
export function kubernetesSelectorOf(entity: Entity): string | undefined {
  const a = entity.metadata.annotations ?? {};
  if (a[KUBERNETES_LABEL_SELECTOR_ANNOTATION])
    return a[KUBERNETES_LABEL_SELECTOR_ANNOTATION];
  if (a[KUBERNETES_ID_ANNOTATION])
    return `${KUBERNETES_ID_ANNOTATION}=${a[KUBERNETES_ID_ANNOTATION]}`;
  return undefined;
}

/** True for entities whose Argo Rollouts Portolan can find. */
export function isRolloutsAvailable(entity: Entity): boolean {
  return kubernetesSelectorOf(entity) !== undefined;
}
