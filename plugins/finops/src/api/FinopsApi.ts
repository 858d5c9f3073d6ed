import { CompoundEntityRef } from '@backstage/catalog-model';
import { createApiRef } from '@backstage/frontend-plugin-api';
import {
  DeployMarker,
  EntityCostResponse,
  OrganisationCostResponse,
  RightsizingResponse,
  SetBudgetResponse,
  TeamCostResponse,
} from '@portolan/plugin-finops-common';

export interface FinopsApi {
  getEntityCost(entity: CompoundEntityRef): Promise<EntityCostResponse>;
  getRightsizing(entity: CompoundEntityRef): Promise<RightsizingResponse>;
  setBudget(
    entity: CompoundEntityRef,
    amount: number | null | string,
  ): Promise<SetBudgetResponse>;
  getTeamCost(team: CompoundEntityRef): Promise<TeamCostResponse>;
  getOrganisationCost(): Promise<OrganisationCostResponse>;
  /** The service's deploys since a day (delivery API), for markers on the trend. */
  getDeploys(entity: CompoundEntityRef, since: string): Promise<DeployMarker[]>;
}

export const finopsApiRef = createApiRef<FinopsApi>({ id: 'plugin.finops' });
