import { createApiRef } from '@backstage/frontend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import {
  ClusterServicesResponse,
  ServiceEnvironmentsResponse,
} from '@portolan/plugin-delivery-common';

/** The delivery backend, as the frontend sees it. */
export interface DeliveryApi {
  getEnvironments(entity: CompoundEntityRef): Promise<ServiceEnvironmentsResponse>;
  getClusterServices(cluster: CompoundEntityRef): Promise<ClusterServicesResponse>;
}

export const deliveryApiRef = createApiRef<DeliveryApi>({
  id: 'plugin.delivery',
});
