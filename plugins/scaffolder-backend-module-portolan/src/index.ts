/** Scaffolder actions for Portolan's Git onboarding templates. */
export { scaffolderModulePortolan as default } from './module';
export { ServiceAccess } from './access/ServiceAccess';
export type {
  AccessCheck,
  ServiceFacts,
  ServiceRequest,
} from './access/ServiceAccess';
export { createArgoCdAppAction } from './actions/createArgoCdAppAction';
export { createCatalogRegisterAction } from './actions/createCatalogRegisterAction';
export { createGitPublishAction } from './actions/createGitPublishAction';
export { createPreflightAction } from './actions/createPreflightAction';
export {
  serviceNameProblems,
  SERVICE_NAME_PATTERN,
  RESERVED_NAMESPACES,
} from './names';
export { readOnboardingConfig } from './onboardingConfig';
export type {
  OnboardingConfig,
  EnvironmentSyncPolicy,
} from './onboardingConfig';
export {
  serviceUpdatePermission,
  scaffolderPortolanPermissions,
} from './permissions';
