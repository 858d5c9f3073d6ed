/**
 * Events topic: Portolan created or changed Argo CD applications (payload
 * `{ instance, name }`). The catalog module's app index refreshes on it, so
 * a service registered right after its apps were created finds them.
 */
export const ARGOCD_APPLICATIONS_TOPIC = 'portolan.argocd.applications';
