import { Entity } from '@backstage/catalog-model';

/** Argo CD annotations, the same Roadie's and Red Hat's plugins read. */
export const ARGOCD_APP_NAME_ANNOTATION = 'argocd/app-name';
export const ARGOCD_APP_SELECTOR_ANNOTATION = 'argocd/app-selector';
export const ARGOCD_INSTANCE_ANNOTATION = 'argocd/instance-name';

/** On cluster Resources: the Argo CD instance deploying to the cluster. */
export const CLUSTER_ARGOCD_INSTANCE_ANNOTATION =
  'portolan.dev/argocd-instance';

/** True for entities whose Argo CD apps Portolan can find. */
export function hasArgoCdAnnotations(entity: Entity): boolean {
  const a = entity.metadata.annotations ?? {};
  return Boolean(
    a[ARGOCD_APP_NAME_ANNOTATION] || a[ARGOCD_APP_SELECTOR_ANNOTATION],
  );
}
