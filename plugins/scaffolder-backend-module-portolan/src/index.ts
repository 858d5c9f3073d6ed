/** Scaffolder actions for Portolan's Git onboarding templates. */
export { scaffolderModulePortolan as default } from './module';
export { createArgoCdAppAction } from './actions/createArgoCdAppAction';
export { createGitPublishAction } from './actions/createGitPublishAction';
export { createPreflightAction } from './actions/createPreflightAction';
export { serviceNameProblems, SERVICE_NAME_PATTERN } from './names';
