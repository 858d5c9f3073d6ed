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
export type { ActionZod, SchemaOutput } from './actions';
export { deploymentsOf } from './deploymentsOf';
export type { ActionDeployment } from './deploymentsOf';
