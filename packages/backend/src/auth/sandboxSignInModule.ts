import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { AuthenticationError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
  createProxyAuthenticator,
} from '@backstage/plugin-auth-node';
import { isProductionConfig } from '../config/checkStartupConfig';
import { isLoopbackHost, isLoopbackUrl } from '@portolan/argocd-node';

/** The header the sandbox sign-in page sends: a catalog User's name. */
export const SANDBOX_USER_HEADER = 'x-portolan-sandbox-user';
const USER_NAME = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/;

/** Where upstream URLs are configured: [locator list, list of targets in each]. */
const UPSTREAM_LISTS = [
  ['kubernetes.clusterLocatorMethods', 'clusters'],
  ['argocd.appLocatorMethods', 'instances'],
] as const;

/**
 * Why sandbox sign-in must not exist with this config (empty: it may).
 * It is a shortcut for a portal whose every upstream is the local sandbox,
 * so anything real in reach refuses it: production (`auth.environment`),
 * a cluster or Argo CD locator that is not a fixed list, and any cluster,
 * Argo CD instance or Git URL that is not on this machine.
 */
export function sandboxSignInRefusals(config: Config): string[] {
  const refusals: string[] = [];
  if (isProductionConfig(config))
    refusals.push('auth.environment is production');
  for (const [listKey, targetsKey] of UPSTREAM_LISTS) {
    for (const [i, method] of (
      config.getOptionalConfigArray(listKey) ?? []
    ).entries()) {
      const type = method.getOptionalString('type');
      if (type !== 'config') {
        refusals.push(
          `${listKey}[${i}] is of type '${type}', not a fixed list of local stand-ins`,
        );
        continue;
      }
      for (const [j, target] of (
        method.getOptionalConfigArray(targetsKey) ?? []
      ).entries()) {
        const key = `${listKey}[${i}].${targetsKey}[${j}].url`;
        const url = target.getOptionalString('url');
        if (!url || !isLoopbackUrl(url))
          refusals.push(`${key} is not a loopback URL`);
      }
    }
  }
  for (const key of ['argocd.baseUrl', 'portolan.git.url']) {
    const url = config.getOptionalString(key);
    if (url !== undefined && !isLoopbackUrl(url))
      refusals.push(`${key} is not a loopback URL`);
  }
  return refusals;
}

/**
 * "Sign in as any catalog user", for the embedded sandbox only: so a
 * developer (and the browser tests) can see the portal as an owner, a
 * non-owner or an admin. It is registered only when
 * `portolan.sandbox.enabled` is true AND `auth.providers.sandbox` is
 * configured (only bin/portal's run config sets them, when the sandbox
 * starts) AND {@link sandboxSignInRefusals} finds nothing real in reach.
 * Nobody is signed in who is not a User in the catalog, and ownership
 * comes from the catalog as for every other provider.
 */
export const sandboxSignInModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'portolan-sandbox-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ providers, config, logger }) {
        if (!config.getOptionalBoolean('portolan.sandbox.enabled')) return;
        if (!config.has('auth.providers.sandbox')) return;
        const refusals = sandboxSignInRefusals(config);
        if (refusals.length > 0) {
          logger.error(
            `Sandbox sign-in refused (the provider is not registered): ${refusals.join(
              '; ',
            )}`,
          );
          return;
        }
        const listen = config.getOptional('backend.listen');
        // `listen` is `{host, port}` or a '<host>:<port>' / '<port>' string.
        const listenHost =
          typeof listen === 'string'
            ? listen.replace(/:?\d+$/, '')
            : config.getOptionalString('backend.listen.host') ?? '';
        if (isLoopbackHost(listenHost)) {
          logger.warn(
            'Sandbox sign-in is on: anyone on this machine may sign in as any catalog user',
          );
        } else {
          logger.warn(
            `Sandbox sign-in is on and backend.listen.host is '${
              listenHost || 'every interface'
            }': ` +
              'anyone who reaches this portal over the network may sign in as any catalog user',
          );
        }
        providers.registerProvider({
          providerId: 'sandbox',
          factory: createProxyAuthProviderFactory({
            authenticator: createProxyAuthenticator({
              defaultProfileTransform: async (result: {
                userName: string;
              }) => ({ profile: { displayName: result.userName } }),
              initialize: () => undefined,
              async authenticate({ req }) {
                const userName = req.header(SANDBOX_USER_HEADER);
                if (!userName || !USER_NAME.test(userName)) {
                  throw new AuthenticationError(
                    `Sandbox sign-in needs a catalog user name in the ${SANDBOX_USER_HEADER} header`,
                  );
                }
                return { result: { userName } };
              },
            }),
            async signInResolver({ result }, ctx) {
              try {
                return await ctx.signInWithCatalogUser({
                  entityRef: { name: result.userName },
                });
              } catch {
                throw new AuthenticationError(
                  `There is no user '${result.userName}' in the catalog`,
                );
              }
            },
          }),
        });
      },
    });
  },
});
