import { ConfigReader } from '@backstage/config';
import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
} from '@backstage/plugin-catalog-common/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import { PortolanPermissionPolicy } from './PortolanPermissionPolicy';

const policy = PortolanPermissionPolicy.fromConfig(
  new ConfigReader({
    portolan: { permissions: { adminGroups: ['group:default/portolan-admins'] } },
  }),
);

function user(ref: string, groups: string[] = []): PolicyQueryUser {
  return {
    info: { userEntityRef: ref, ownershipEntityRefs: [ref, ...groups] },
    token: 'token',
    credentials: {} as any,
    expiresInSeconds: 60,
  } as PolicyQueryUser;
}

const developer = user('user:default/ken.thompson', ['group:default/team-payments']);
const admin = user('user:default/margaret.hamilton', [
  'group:default/team-platform',
  'group:default/portolan-admins',
]);

describe('PortolanPermissionPolicy', () => {
  it('lets every signed-in user read', async () => {
    const decision = await policy.handle(
      { permission: catalogEntityReadPermission },
      developer,
    );
    expect(decision.result).toBe(AuthorizeResult.ALLOW);
  });

  it('lets every signed-in user create (register a location)', async () => {
    const decision = await policy.handle(
      { permission: catalogLocationCreatePermission },
      developer,
    );
    expect(decision.result).toBe(AuthorizeResult.ALLOW);
  });

  it('allows writes on an entity only to its owners', async () => {
    const decision = await policy.handle(
      { permission: catalogEntityDeletePermission },
      developer,
    );
    expect(decision).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      resourceType: 'catalog-entity',
      conditions: {
        rule: 'IS_ENTITY_OWNER',
        resourceType: 'catalog-entity',
        params: {
          claims: ['user:default/ken.thompson', 'group:default/team-payments'],
        },
      },
    });
  });

  it('denies other writes to non-admins', async () => {
    const decision = await policy.handle(
      { permission: catalogLocationDeletePermission },
      developer,
    );
    expect(decision.result).toBe(AuthorizeResult.DENY);
  });

  it('allows everything to members of an admin group', async () => {
    for (const permission of [
      catalogLocationDeletePermission,
      catalogEntityDeletePermission,
    ]) {
      const decision = await policy.handle({ permission }, admin);
      expect(decision.result).toBe(AuthorizeResult.ALLOW);
    }
  });

  it('trusts backend-to-backend calls (no user)', async () => {
    const decision = await policy.handle({
      permission: catalogLocationDeletePermission,
    });
    expect(decision.result).toBe(AuthorizeResult.ALLOW);
  });

  it('refuses an admin group that is not a group reference, naming the key', () => {
    expect(() =>
      PortolanPermissionPolicy.fromConfig(
        new ConfigReader({
          portolan: {
            permissions: { adminGroups: ['group:default/ok', 'user:default/bob'] },
          },
        }),
      ),
    ).toThrow("Invalid config value at 'portolan.permissions.adminGroups[1]'");
  });
});
