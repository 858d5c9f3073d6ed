import { createApiRef } from '@backstage/frontend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import {
  ClusterServicesResponse,
  DeploymentTimelinePage,
  DeploymentSummary,
  DoraMetrics,
  RolloutActionRequest,
  RolloutActionResponse,
  RolloutView,
  ServiceEnvironmentsResponse,
  ServiceRolloutsResponse,
} from '@portolan/plugin-delivery-common';

/** A 409 from a canary action: the rollout as it is now. */
export class RolloutConflictError extends Error {
  constructor(message: string, readonly rollout?: RolloutView) {
    super(message);
    this.name = 'RolloutConflictError';
  }
}

/** The delivery backend, as the frontend sees it. */
export interface DeliveryApi {
  getEnvironments(
    entity: CompoundEntityRef,
  ): Promise<ServiceEnvironmentsResponse>;
  getClusterServices(
    cluster: CompoundEntityRef,
  ): Promise<ClusterServicesResponse>;
  getDeployments(
    entity: CompoundEntityRef,
    query?: { environment?: string; cursor?: string; limit?: number },
  ): Promise<DeploymentTimelinePage>;
  /** Across the organisation, or one team's (owner: a group ref). */
  getOrganisationDeployments(query?: {
    owner?: string;
    environment?: string;
    cursor?: string;
    limit?: number;
  }): Promise<DeploymentTimelinePage>;
  getDeploymentSummary(query?: {
    owner?: string;
    environment?: string;
  }): Promise<DeploymentSummary>;
  getRollouts(entity: CompoundEntityRef): Promise<ServiceRolloutsResponse>;
  /** Throws RolloutConflictError on 409 (changed since read, or not valid now). */
  controlRollout(
    entity: CompoundEntityRef,
    request: RolloutActionRequest,
  ): Promise<RolloutActionResponse>;
  getDora(
    subject:
      | { kind: 'entity'; ref: CompoundEntityRef }
      | { kind: 'team'; namespace: string; name: string },
    query?: { weeks?: number; environment?: string },
  ): Promise<DoraMetrics>;
}

export const deliveryApiRef = createApiRef<DeliveryApi>({
  id: 'plugin.delivery',
});
