/*
 * The Portolan backend (new backend system). Each feature is one line here;
 * everything else lives in the plugin packages under plugins/.
 */
import { createBackend } from '@backstage/backend-defaults';
import { rootHttpRouterServiceFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { readOnlyUpstreamGuard } from './http/readOnlyUpstreamGuard';
import { kubernetesReadOnlyGuard } from './http/upstreamGuards';
import { writeRateLimit } from './http/writeRateLimit';
import { sandboxSignInModule } from './auth/sandboxSignInModule';
import { githubOrgSignInModule } from './auth/githubOrgSignInModule';
import { errorResponseScrubbing } from './config/errorResponseScrubbing';
import { startupConfigChecksServiceFactory } from './config/startupConfigChecksServiceFactory';
import { argoCdSpecRedaction } from './http/argoCdSpecRedaction';
import { databaseUnavailable } from './http/databaseUnavailable';

const backend = createBackend();
// Refuses to start on unsafe config (plain http to other hosts, TLS off,
// sandbox credentials in production), before any plugin is initialised.
backend.add(startupConfigChecksServiceFactory);

backend.add(
  rootHttpRouterServiceFactory({
    configure({ app, config, logger, applyDefaults }) {
      // Before any plugin routes: third-party routes that would write to
      // upstreams with the portal's credentials, and no permission check of
      // their own, are refused; Portolan's own writes are rate limited.
      app.use(errorResponseScrubbing({ config, logger }));
      // PostgreSQL restarting or unreachable: 503 with Retry-After, not 500.
      app.use(databaseUnavailable(config));
      app.use(writeRateLimit(config));
      app.use('/api/argocd', readOnlyUpstreamGuard('Argo CD'));
      app.use('/api/argocd', argoCdSpecRedaction());
      app.use('/api/kubernetes', kubernetesReadOnlyGuard());
      app.use('/api/proxy', readOnlyUpstreamGuard('proxy'));
      applyDefaults();
    },
  }),
);

// Serves the production build of packages/app on the same port as the API.
backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// Sign-in: guest in development only (app-config.yaml); GitHub or OIDC in
// production (app-config.production.yaml).
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// GitHub sign-in for members of portolan.signIn.github.organizations only.
backend.add(githubOrgSignInModule);
backend.add(import('@backstage/plugin-auth-backend-module-oidc-provider'));
// Sandbox only: sign in as any catalog user (see the module for the guards).
backend.add(sandboxSignInModule);

// Catalog: the spine of the portal.
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
// One Location per file of catalog/ (a bad file only fails itself).
backend.add(import('./catalog/catalogDirectoryModule'));
// Services ↔ clusters from Argo CD; apps and annotations that don't match.
backend.add(import('@portolan/plugin-catalog-backend-module-argocd'));
// Failed entities and their errors, for the admin page.
backend.add(import('@backstage/plugin-catalog-backend-module-unprocessed'));
// Logs catalog processing errors (a malformed file names itself there).
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// Git onboarding.
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
// Git onboarding: pre-flight checks, publish to the Portolan Git server, Argo CD apps.
backend.add(import('@portolan/plugin-scaffolder-backend-module-portolan'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);

// Permissions: Portolan's own policy, not allow-all.
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('./permissions/portolanPermissionPolicyModule'));

// Search: Postgres engine in production, in-memory Lunr on SQLite.
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));

backend.add(import('@backstage/plugin-events-backend'));
backend.add(import('@backstage/plugin-kubernetes-backend'));
// Portolan delivery: environments, deployment timelines, canary controls.
backend.add(import('@portolan/plugin-delivery-backend'));
// Portolan FinOps: costs from OpenCost, forecasts, budgets, right-sizing (and the catalog module checking budget annotations).
backend.add(import('@portolan/plugin-finops-backend'));
// Portolan logs: a service's log lines from Elasticsearch, scoped and redacted.
backend.add(import('@portolan/plugin-logs-backend'));
// Portolan assistant: answers from the read-only actions below, with the user's permissions.
backend.add(import('@portolan/plugin-assistant-backend'));
// Portolan compliance: checks per service, team KPIs, waivers, evidence.
backend.add(import('@portolan/plugin-compliance-backend'));
// Argo CD cards' backend: reads across both instances (writes closed above).
backend.add(import('@roadiehq/backstage-plugin-argo-cd-backend'));
backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));
// Exposes registered actions (catalog, scaffolder, Portolan's read-only
// actions) as MCP tools; the assistant uses the same registry.
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// A failed start (a refused config, a plugin that cannot initialise) ends the
// process instead of leaving a half-started backend that never gets ready.
backend.start().catch(error => {
  process.stderr.write(
    `Portolan backend failed to start: ${error?.stack ?? error}\n`,
  );
  process.exit(1);
});
