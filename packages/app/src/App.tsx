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
 * packages). `app.packages` excludes them from auto-discovery: a discovered
 * package is bundled eagerly, whole (both its root and `/alpha` entry
 * points), even when it is also loaded here. Only the catalog, sign-in and
 * navigation stay in the initial bundle.
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
      import('@portolan/plugin-delivery'),
      import('@backstage/plugin-scaffolder/alpha'),
      import('@backstage/plugin-search/alpha'),
      import('@backstage/plugin-catalog-import/alpha'),
      import('@backstage/plugin-notifications/alpha'),
      import('@backstage/plugin-signals/alpha'),
      import('@backstage/plugin-user-settings/alpha'),
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
