import { PermissionsService } from '@backstage/backend-plugin-api';
import {
  ActionsRegistryService,
  ActionsService,
} from '@backstage/backend-plugin-api/alpha';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { PortalLinks } from '@portolan/portolan-node';
import { CostService } from '../services/CostService';
import { createGetRightsizingAction } from './createGetRightsizingAction';
import { createGetServiceCostAction } from './createGetServiceCostAction';

/** The finops plugin's read-only actions (MCP tools, the assistant's tools). */
export function registerFinopsActions(deps: {
  actionsRegistry: ActionsRegistryService;
  actions: ActionsService;
  catalog: CatalogService;
  permissions: PermissionsService;
  costs: CostService;
  links: PortalLinks;
  costJumpThresholdPercent: number;
}) {
  createGetServiceCostAction(deps);
  createGetRightsizingAction(deps);
}
