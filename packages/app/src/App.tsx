import { createApp } from '@backstage/frontend-defaults';
import { createFrontendFeatureLoader } from '@backstage/frontend-plugin-api';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import { navModule } from './modules/nav';
import { signInModule } from './modules/auth';
import { sandboxModule } from './modules/sandbox';

/**
 * Plugins loaded through dynamic imports, so their code is split out of the
 * initial bundle and fetched in parallel once the app starts (Roadie's
 * Argo CD plugin alone ships its own copies of several Backstage frontend
 * packages). `app.packages` excludes them from auto-discovery.
 */
const lazyFeatures = createFrontendFeatureLoader({
  async loader() {
    const plugins = await Promise.all([
      import('@roadiehq/backstage-plugin-argo-cd/alpha'),
      import('@backstage/plugin-kubernetes/alpha'),
      import('@backstage/plugin-catalog-unprocessed-entities/alpha'),
      import('@backstage/plugin-api-docs/alpha'),
      import('@backstage/plugin-catalog-graph/alpha'),
      import('@backstage/plugin-org/alpha'),
      import('@portolan/plugin-finops'),
      import('@portolan/plugin-logs'),
      // The assistant drawer on every page (its panel loads on first open).
      import('@portolan/plugin-assistant'),
      import('@portolan/plugin-compliance'),
    ]);
    // Pod logs and events through Portolan's read-only route (the
    // Kubernetes proxy is closed).
    const { kubernetesReadOnlyModule } = await import('./modules/kubernetes');
    return [...plugins.map(p => p.default), kubernetesReadOnlyModule];
  },
});

export default createApp({
  features: [
    catalogPlugin,
    navModule,
    signInModule,
    sandboxModule,
    lazyFeatures,
  ],
});
