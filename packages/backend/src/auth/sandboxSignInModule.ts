import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { AuthenticationError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
  createProxyAuthenticator,
} from '@backstage/plugin-auth-node';

/** The header the sandbox sign-in page sends: a catalog User's name. */
export const SANDBOX_USER_HEADER = 'x-portolan-sandbox-user';
const USER_NAME = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/;

/**
 * "Sign in as any catalog user", for the embedded sandbox only: so a
 * developer (and the browser tests) can see the portal as an owner, a
 * non-owner or an admin. It is registered only when
 * `portolan.sandbox.enabled` is true AND `auth.providers.sandbox` is
 * configured; production config has neither. Nobody is signed in who is
 * not a User in the catalog, and ownership comes from the catalog as for
 * every other provider.
 */
export const sandboxSignInModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'portolan-sandbox-provider',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint, config: coreServices.rootConfig, logger: coreServices.logger },
      async init({ providers, config, logger }) {
        if (!config.getOptionalBoolean('portolan.sandbox.enabled')) return;
        if (!config.has('auth.providers.sandbox')) return;
        logger.warn('Sandbox sign-in is on: anyone reaching this portal may sign in as any catalog user');
        providers.registerProvider({
          providerId: 'sandbox',
          factory: createProxyAuthProviderFactory({
            authenticator: createProxyAuthenticator({
              defaultProfileTransform: async (result: { userName: string }) => ({ profile: { displayName: result.userName } }),
              initialize: () => undefined,
              async authenticate({ req }) {
                const userName = req.header(SANDBOX_USER_HEADER);
                if (!userName || !USER_NAME.test(userName)) {
                  throw new AuthenticationError(`Sandbox sign-in needs a catalog user name in the ${SANDBOX_USER_HEADER} header`);
                }
                return { result: { userName } };
              },
            }),
            async signInResolver({ result }, ctx) {
              try {
                return await ctx.signInWithCatalogUser({ entityRef: { name: result.userName } });
              } catch {
                throw new AuthenticationError(`There is no user '${result.userName}' in the catalog`);
              }
            },
          }),
        });
      },
    });
  },
});
