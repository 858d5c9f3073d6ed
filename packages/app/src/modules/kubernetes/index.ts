import {
  ApiBlueprint,
  createFrontendModule,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { kubernetesProxyApiRef } from '@backstage/plugin-kubernetes-react';
import { ReadOnlyKubernetesProxyClient } from './ReadOnlyKubernetesProxyClient';

/**
 * Replaces the Kubernetes plugin's proxy API (same extension id,
 * `api:kubernetes/proxy`) with Portolan's read-only client.
 */
export const kubernetesReadOnlyModule = createFrontendModule({
  pluginId: 'kubernetes',
  extensions: [
    ApiBlueprint.make({
      name: 'proxy',
      params: defineParams =>
        defineParams({
          api: kubernetesProxyApiRef,
          deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
          factory: deps => new ReadOnlyKubernetesProxyClient(deps),
        }),
    }),
  ],
});
