/** Helpers shared by Portolan's backend plugins. */
export { entityNamePart, entityParams, parseRequest } from './parseRequest';
export {
  PortalLinks,
  entityForAction,
  entityRefInput,
  environmentInput,
  isoDateTimeInput,
  parseEntityRefInput,
  truncateText,
} from './actions';
export type { ActionSchema, ActionZod, SchemaOutput } from './actions';
export { deploymentsOf } from './deploymentsOf';
export { BUILT_IN_REDACTIONS, Redactor } from './Redactor';
export type { ActionDeployment } from './deploymentsOf';
export { scheduleCatalogTask } from './scheduleCatalogTask';
