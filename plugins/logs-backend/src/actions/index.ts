import {
  ActionsRegistryService,
  ActionsService,
} from '@backstage/backend-plugin-api/alpha';
import { PortalLinks } from '@portolan/portolan-node';
import { LogReadAccess } from '../scope/LogReadAccess';
import { LogSearchService } from '../search/LogSearchService';
import { createErrorBurstsAction } from './createErrorBurstsAction';
import { createSearchLogsAction } from './createSearchLogsAction';

/** The logs plugin's read-only actions (MCP tools, the assistant's tools). */
export function registerLogsActions(deps: {
  actionsRegistry: ActionsRegistryService;
  actions: ActionsService;
  access: LogReadAccess;
  search: LogSearchService;
  links: PortalLinks;
  now?: () => number;
}) {
  const withClock = { ...deps, now: deps.now ?? Date.now };
  createSearchLogsAction(withClock);
  createErrorBurstsAction(withClock);
}
