import {
  BackstageCredentials,
  BackstageUserPrincipal,
  coreServices,
  createServiceFactory,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';

/** Test users and the groups they belong to (what their token's `ent` claim says). */
export const TEST_USERS = {
  /** team-payments: owns checkout-service, the payments system... */
  barbara: 'user:default/barbara.liskov',
  /** team-storefront: owns nothing of payments. */
  grace: 'user:default/grace.hopper',
  /** portolan-admins. */
  margaret: 'user:default/margaret.hamilton',
  /** The scaffolder tests' default user: in team-payments. */
  mock: 'user:default/mock',
} as const;

export const TEST_MEMBERSHIPS: Record<string, string[]> = {
  [TEST_USERS.barbara]: ['group:default/team-payments'],
  [TEST_USERS.grace]: ['group:default/team-storefront'],
  [TEST_USERS.margaret]: ['group:default/portolan-admins'],
  [TEST_USERS.mock]: ['group:default/team-payments'],
};

export const TEST_ADMIN_GROUPS = ['group:default/portolan-admins'];

/** The demo's clusters as catalog Resources: environment and Argo CD instance of each. */
export const TEST_CLUSTERS: Entity[] = [
  ['dev', 'dev', 'argocd-nonprod'],
  ['staging', 'staging', 'argocd-nonprod'],
  ['prod-eu', 'prod', 'argocd-prod'],
].map(([name, env, instance]) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'portolan.dev/environment': env,
      'portolan.dev/argocd-instance': instance,
    },
  },
  spec: { type: 'kubernetes-cluster', owner: 'team-platform' },
}));

const userRef = (credentials: BackstageCredentials) =>
  (credentials.principal as BackstageUserPrincipal | undefined)?.userEntityRef;

/** userInfo as the auth backend answers it: the user and their groups. */
export function testUserInfo(): UserInfoService {
  return {
    async getUserInfo(credentials) {
      const ref = userRef(credentials);
      if (!ref) throw new Error('Only user credentials are supported');
      return {
        userEntityRef: ref,
        ownershipEntityRefs: [ref, ...(TEST_MEMBERSHIPS[ref] ?? [])],
      };
    },
  };
}

/**
 * The permission framework as Portolan's policy answers
 * `portolan.service.update` (rule `owner`): allowed to members of the group
 * owning the entity and to admins, resolved against these entities the way
 * the catalog resolves the conditional decision. Every other permission
 * (the scaffolder's own) is allowed, as the policy does for running templates.
 */
export function testPermissions(
  entities: Entity[],
  options: { allowAll?: boolean } = {},
): PermissionsService {
  const owners = new Map(
    entities.map(e => [
      stringifyEntityRef(e).toLocaleLowerCase('en-US'),
      typeof e.spec?.owner === 'string'
        ? stringifyEntityRef(
            parseEntityRef(e.spec.owner, {
              defaultKind: 'group',
              defaultNamespace: 'default',
            }),
          )
        : undefined,
    ]),
  );
  const decide = (
    name: string,
    resourceRef: string | undefined,
    credentials: BackstageCredentials,
  ) => {
    if (options.allowAll || name !== 'portolan.service.update')
      return AuthorizeResult.ALLOW;
    const ref = userRef(credentials);
    if (!ref) return AuthorizeResult.ALLOW; // service principals are trusted, as in the policy
    const claims = [ref, ...(TEST_MEMBERSHIPS[ref] ?? [])];
    if (claims.some(c => TEST_ADMIN_GROUPS.includes(c)))
      return AuthorizeResult.ALLOW;
    const owner = resourceRef
      ? owners.get(resourceRef.toLocaleLowerCase('en-US'))
      : undefined;
    return owner && claims.includes(owner)
      ? AuthorizeResult.ALLOW
      : AuthorizeResult.DENY;
  };
  return {
    async authorize(requests, { credentials }) {
      return requests.map(r => ({
        result: decide(
          r.permission.name,
          'resourceRef' in r
            ? (r.resourceRef as string | undefined)
            : undefined,
          credentials,
        ),
      })) as any;
    },
    async authorizeConditional(requests) {
      return requests.map(() => ({ result: AuthorizeResult.ALLOW })) as any;
    },
  };
}

/** Service factories for startTestBackend: the two doubles above. */
export function accessDoubleFactories(entities: Entity[]) {
  return [
    createServiceFactory({
      service: coreServices.userInfo,
      deps: {},
      factory: () => testUserInfo(),
    }),
    createServiceFactory({
      service: coreServices.permissions,
      deps: {},
      factory: () => testPermissions(entities),
    }),
  ];
}

/** Credentials of a test user, as the scaffolder hands the initiator's to actions. */
export const asUser = (ref: string) => mockCredentials.user(ref);
