export { catalogModuleArgoCd as default } from './module';
export { ArgoCdAppIndex } from './ArgoCdAppIndex';
export type { IndexedApp, InstanceState, AppLookup } from './ArgoCdAppIndex';
export { ArgoCdDeploymentProcessor } from './ArgoCdDeploymentProcessor';
export { buildArgoCdReport } from './ArgoCdReport';
export type { ArgoCdReport } from '@portolan/argocd-common';
export { ServiceClaims, workloadClaimOf } from './ServiceClaims';
