import { createApiRef } from '@backstage/frontend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import {
  ClusterServicesResponse,
  DeploymentTimelinePage,
  ServiceEnvironmentsResponse,
} from '@portolan/plugin-delivery-common';

/** The delivery backend, as the frontend sees it. */
export interface DeliveryApi {
  getEnvironments(entity: CompoundEntityRef): Promise<ServiceEnvironmentsResponse>;
  getClusterServices(cluster: CompoundEntityRef): Promise<ClusterServicesResponse>;
  getDeployments(
    entity: CompoundEntityRef,
    query?: { environment?: string; cursor?: string; limit?: number },
  ): Promise<DeploymentTimelinePage>;
}

export const deliveryApiRef = createApiRef<DeliveryApi>({
  id: 'plugin.delivery',
});
