import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import {
  githubAuthenticator,
  GithubProfile,
  githubSignInResolvers,
} from '@backstage/plugin-auth-backend-module-github-provider';
import {
  authProvidersExtensionPoint,
  commonSignInResolvers,
  createOAuthRouteHandlers,
  OAuthAuthenticatorResult,
  OAuthEnvironmentHandler,
  readDeclarativeSignInResolver,
  SignInResolver,
  SignInResolverFactory,
} from '@backstage/plugin-auth-node';
import { GithubOrgMembershipClient } from './GithubOrgMembershipClient';

type GithubSignInResolver = SignInResolver<
  OAuthAuthenticatorResult<GithubProfile>
>;

/** The resolvers the stock GitHub module offers, by the names config uses. */
const signInResolverFactories: Record<string, SignInResolverFactory> = {
  ...githubSignInResolvers,
  ...commonSignInResolvers,
};

/** The scope GitHub needs to show the user's organisation memberships. */
const READ_ORG = 'read:org';

/** The organisations whose members may sign in: required once GitHub sign-in is configured. */
export function readSignInOrganizations(config: Config): string[] {
  const key = 'portolan.signIn.github.organizations';
  const organizations = config.getOptionalStringArray(key) ?? [];
  if (organizations.length === 0) {
    throw new Error(
      `GitHub sign-in needs ${key}: the GitHub organisations whose members may sign in`,
    );
  }
  return organizations;
}

/** Sign-in also requires the user in the catalog: no resolver may waive it. */
function refuseSignInWithoutCatalogUser(envConfig: Config) {
  for (const [i, resolver] of (
    envConfig.getOptionalConfigArray('signIn.resolvers') ?? []
  ).entries()) {
    if (
      resolver.getOptionalBoolean('dangerouslyAllowSignInWithoutUserInCatalog')
    ) {
      throw new Error(
        `signIn.resolvers[${i}].dangerouslyAllowSignInWithoutUserInCatalog is not allowed: ` +
          'Portolan signs in only users that exist in the catalog',
      );
    }
  }
}

/**
 * Wraps a sign-in resolver so that it runs only for active members of one
 * of the organisations, asked of GitHub with the user's own token.
 */
export function requiringOrgMembership(
  resolver: GithubSignInResolver,
  membership: GithubOrgMembershipClient,
  organizations: string[],
): GithubSignInResolver {
  return async (info, ctx) => {
    const login = info.result.fullProfile.username ?? 'unknown';
    const memberOf = await membership.activeMemberships(
      info.result.session.accessToken,
      organizations,
    );
    if (memberOf.length === 0) {
      throw new NotAllowedError(
        `GitHub user '${login}' is not a member of ${organizations
          .map(o => `'${o}'`)
          .join(' or ')}, ` + 'whose members may sign in to Portolan',
      );
    }
    return resolver(info, ctx);
  };
}

/**
 * GitHub sign-in (replaces the stock github-provider module, same provider
 * id and config): the stock authenticator, plus the read:org scope, plus
 * membership of `portolan.signIn.github.organizations` checked at every
 * sign-in and session refresh before the configured resolver runs, which
 * must find the user in the catalog (default: `usernameMatchingUserEntityName`).
 */
export const githubOrgSignInModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'portolan-github-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ providers, config }) {
        providers.registerProvider({
          providerId: 'github',
          // Called by the auth plugin only when auth.providers.github exists.
          factory(ctx) {
            const organizations = readSignInOrganizations(config);
            return OAuthEnvironmentHandler.mapConfig(ctx.config, envConfig => {
              refuseSignInWithoutCatalogUser(envConfig);
              const membership = GithubOrgMembershipClient.create({
                apiBaseUrl: GithubOrgMembershipClient.apiBaseUrlFor(
                  envConfig.getOptionalString('enterpriseInstanceUrl'),
                ),
              });
              const resolver: GithubSignInResolver =
                readDeclarativeSignInResolver({
                  config: envConfig,
                  signInResolverFactories,
                }) ?? githubSignInResolvers.usernameMatchingUserEntityName();
              return createOAuthRouteHandlers<GithubProfile>({
                authenticator: githubAuthenticator,
                appUrl: ctx.appUrl,
                baseUrl: ctx.baseUrl,
                config: envConfig,
                isOriginAllowed: ctx.isOriginAllowed,
                cookieConfigurer: ctx.cookieConfigurer,
                providerId: ctx.providerId,
                resolverContext: ctx.resolverContext,
                additionalScopes: [READ_ORG],
                signInResolver: requiringOrgMembership(
                  resolver,
                  membership,
                  organizations,
                ),
              });
            });
          },
        });
      },
    });
  },
});
