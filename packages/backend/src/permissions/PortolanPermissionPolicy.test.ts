import { ConfigReader } from '@backstage/config';
import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogEntityRefreshPermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
  catalogPermissions,
} from '@backstage/plugin-catalog-common/alpha';
import {
  kubernetesPermissions,
  kubernetesProxyPermission,
} from '@backstage/plugin-kubernetes-common';
import {
  scaffolderPermissions,
  taskCancelPermission,
  taskCreatePermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import { argoCdPermissions } from '@portolan/argocd-common';
import {
  deliveryPermissions,
  rolloutControlPermission,
} from '@portolan/plugin-delivery-common';
import { scaffolderPortolanPermissions } from '@portolan/plugin-scaffolder-backend-module-portolan';
import { finopsPermissions } from '@portolan/plugin-finops-common';
import { logsPermissions } from '@portolan/plugin-logs-common';
import { compliancePermissions } from '@portolan/plugin-compliance-common';
import { PERMISSION_RULES, permissionRulesFromConfig } from './permissionRules';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import { PortolanPermissionPolicy } from './PortolanPermissionPolicy';

const policy = PortolanPermissionPolicy.fromConfig(
  new ConfigReader({
    portolan: {
      permissions: { adminGroups: ['group:default/portolan-admins'] },
    },
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

const developer = user('user:default/ken.thompson', [
  'group:default/team-payments',
]);
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

  it('lets every signed-in user run a template', async () => {
    const decision = await policy.handle(
      { permission: taskCreatePermission },
      developer,
    );
    expect(decision.result).toBe(AuthorizeResult.ALLOW);
  });

  it.each([
    ['register a location', catalogLocationCreatePermission],
    ['delete a location', catalogLocationDeletePermission],
    ['delete an entity', catalogEntityDeletePermission],
    ['refresh an entity', catalogEntityRefreshPermission],
  ])(
    'keeps catalog writes for admins: a developer may not %s',
    async (_, permission) => {
      const decision = await policy.handle({ permission }, developer);
      expect(decision.result).toBe(AuthorizeResult.DENY);
    },
  );

  it('allows canary controls only to the owners of the entity (a condition the catalog resolves)', async () => {
    const decision = await policy.handle(
      { permission: rolloutControlPermission },
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

  it('lets a user cancel only their own scaffolder tasks', async () => {
    const decision = await policy.handle(
      { permission: taskCancelPermission },
      developer,
    );
    expect(decision).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'scaffolder',
      resourceType: 'scaffolder-task',
      conditions: {
        rule: 'IS_TASK_OWNER',
        params: { createdBy: ['user:default/ken.thompson'] },
      },
    });
  });

  it('denies the Kubernetes proxy to everyone, admins included (it forwards writes with the cluster token)', async () => {
    for (const who of [developer, admin]) {
      const decision = await policy.handle(
        { permission: kubernetesProxyPermission },
        who,
      );
      expect(decision.result).toBe(AuthorizeResult.DENY);
    }
  });

  it('denies a permission it does not know, to admins too, whatever its action says', async () => {
    for (const attributes of [
      {},
      { action: 'read' as const },
      { action: 'create' as const },
    ]) {
      const permission = createPermission({
        name: 'someplugin.thing.do',
        attributes,
      });
      for (const who of [developer, admin]) {
        expect((await policy.handle({ permission }, who)).result).toBe(
          AuthorizeResult.DENY,
        );
      }
    }
  });

  it('allows every known write to members of an admin group', async () => {
    for (const permission of [
      catalogLocationCreatePermission,
      catalogLocationDeletePermission,
      catalogEntityDeletePermission,
      rolloutControlPermission,
      taskCancelPermission,
    ]) {
      const decision = await policy.handle({ permission }, admin);
      expect(decision.result).toBe(AuthorizeResult.ALLOW);
    }
  });

  it('has a rule for every permission of the plugins the backend runs', () => {
    const all = [
      ...catalogPermissions,
      ...scaffolderPermissions,
      ...kubernetesPermissions,
      ...deliveryPermissions,
      ...argoCdPermissions,
      ...scaffolderPortolanPermissions,
      ...finopsPermissions,
      ...logsPermissions,
      ...compliancePermissions,
    ];
    expect(all.filter(p => !PERMISSION_RULES[p.name]).map(p => p.name)).toEqual(
      [],
    );
  });

  it('takes an organisation override from portolan.permissions.rules, and refuses an unknown rule naming the key', async () => {
    const rules = permissionRulesFromConfig(
      new ConfigReader({
        portolan: {
          permissions: { rules: [{ permission: 'logs.read', rule: 'owner' }] },
        },
      }),
    );
    expect(rules['logs.read']).toBe('owner');
    expect(rules['catalog.location.create']).toBe('admin');
    const strict = PortolanPermissionPolicy.fromConfig(
      new ConfigReader({
        portolan: {
          permissions: { adminGroups: ['group:default/portolan-admins'] },
        },
      }),
      { rules },
    );
    const logsRead = createPermission({
      name: 'logs.read',
      attributes: { action: 'read' },
      resourceType: 'catalog-entity',
    });
    expect(
      (await strict.handle({ permission: logsRead }, developer)).result,
    ).toBe(AuthorizeResult.CONDITIONAL);
    expect(() =>
      permissionRulesFromConfig(
        new ConfigReader({
          portolan: {
            permissions: {
              rules: [{ permission: 'logs.read', rule: 'anyone' }],
            },
          },
        }),
      ),
    ).toThrow("Invalid config value at 'portolan.permissions.rules[0].rule'");
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
            permissions: {
              adminGroups: ['group:default/ok', 'user:default/bob'],
            },
          },
        }),
      ),
    ).toThrow("Invalid config value at 'portolan.permissions.adminGroups[1]'");
  });
});
