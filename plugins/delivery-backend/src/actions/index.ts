import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { PortalLinks } from '@portolan/portolan-node';
import { DeploymentMetricsService } from '../services/DeploymentMetricsService';
import { DeploymentTimelineService } from '../services/DeploymentTimelineService';
import { RolloutService } from '../services/RolloutService';
import { createGetDeploymentsAction } from './createGetDeploymentsAction';
import { createGetDoraAction } from './createGetDoraAction';
import { createGetRolloutsAction } from './createGetRolloutsAction';

/** The delivery plugin's read-only actions (MCP tools, the assistant's tools). */
export function registerDeliveryActions(deps: {
  actionsRegistry: ActionsRegistryService;
  catalog: CatalogService;
  timeline: DeploymentTimelineService;
  metrics: DeploymentMetricsService;
  rollouts: RolloutService;
  links: PortalLinks;
}) {
  createGetDeploymentsAction(deps);
  createGetDoraAction(deps);
  createGetRolloutsAction(deps);
}
