import { ConfigReader } from '@backstage/config';
import { readOnboardingConfig } from './onboardingConfig';

const read = (portolan: object) =>
  readOnboardingConfig(new ConfigReader({ portolan }));

describe('readOnboardingConfig', () => {
  it('protects prod by default: it syncs by hand, other environments sync by themselves', () => {
    const config = read({
      permissions: { adminGroups: ['portolan-admins', 'group:Ops/SRE'] },
    });
    expect([...config.adminGroups]).toEqual([
      'group:default/portolan-admins',
      'group:ops/sre',
    ]);
    expect([...config.protectedEnvironments]).toEqual(['prod']);
    expect(config.syncPolicy('prod')).toEqual({
      automated: false,
      prune: false,
      selfHeal: false,
    });
    expect(config.syncPolicy('dev')).toEqual({
      automated: true,
      prune: true,
      selfHeal: true,
    });
  });

  it('takes protected environments and per-environment sync policies from config', () => {
    const config = read({
      onboarding: {
        protectedEnvironments: ['prod', 'staging'],
        syncPolicy: {
          prod: { automated: true },
          dev: { automated: true, prune: true },
        },
      },
    });
    expect([...config.protectedEnvironments]).toEqual(['prod', 'staging']);
    expect(config.syncPolicy('prod')).toEqual({
      automated: true,
      prune: false,
      selfHeal: false,
    });
    expect(config.syncPolicy('dev')).toEqual({
      automated: true,
      prune: true,
      selfHeal: false,
    });
    expect(config.syncPolicy('staging')).toEqual({
      automated: false,
      prune: false,
      selfHeal: false,
    });
  });

  it.each([
    [
      { permissions: { adminGroups: ['user:default/root'] } },
      /'portolan.permissions.adminGroups\[0\]'.*kind must be Group/,
    ],
    [
      { onboarding: { protectedEnvironments: ['Prod EU'] } },
      /'portolan.onboarding.protectedEnvironments\[0\]'/,
    ],
    [
      { onboarding: { syncPolicy: { dev: { automated: 'yes' } } } },
      /'portolan.onboarding.syncPolicy.dev.automated'/,
    ],
    [
      { onboarding: { syncPolicy: { dev: { automated: true, force: true } } } },
      /'portolan.onboarding.syncPolicy.dev'.*force/,
    ],
  ])('refuses invalid config %j, naming the key', (portolan, message) => {
    expect(() => read(portolan)).toThrow(message);
  });
});
