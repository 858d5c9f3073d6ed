import { ConfigReader } from '@backstage/config';
import { levelOf, readComplianceConfig } from './ComplianceConfig';

const read = (compliance: object) =>
  readComplianceConfig(new ConfigReader({ compliance }));

describe('readComplianceConfig', () => {
  it('takes every check with its default threshold when nothing is configured', () => {
    const s = readComplianceConfig(new ConfigReader({}));
    expect(s.checks).toHaveLength(20);
    expect(
      s.checks.find(c => c.definition.id === 'kubernetes.prod-replicas')
        ?.threshold,
    ).toBe(2);
    expect(s.waiverMaxDays).toBe(90);
  });

  it('applies thresholds, lifecycles and disabled checks', () => {
    const s = read({
      checks: {
        kubernetes: {
          'prod-replicas': { threshold: 3, lifecycles: ['production'] },
        },
        catalog: { oncall: { enabled: false } },
      },
    });
    expect(
      s.checks.find(c => c.definition.id === 'kubernetes.prod-replicas'),
    ).toMatchObject({
      threshold: 3,
      lifecycles: ['production'],
    });
    expect(
      s.checks.find(c => c.definition.id === 'catalog.oncall'),
    ).toBeUndefined();
  });

  it('stops on an unknown check, naming the key', () => {
    expect(() =>
      read({ checks: { catalog: { colour: { enabled: true } } } }),
    ).toThrow(
      "Invalid config value at 'compliance.checks.catalog.colour': unknown check 'catalog.colour'",
    );
  });

  it('stops on a bad threshold, naming the key', () => {
    expect(() =>
      read({
        checks: { delivery: { 'change-failure-rate': { threshold: 150 } } },
      }),
    ).toThrow(
      /compliance\.checks\.delivery\.change-failure-rate\.threshold': must be a number from 0 to 100/,
    );
    expect(() =>
      read({
        checks: { kubernetes: { 'prod-replicas': { threshold: 'two' } } },
      }),
    ).toThrow(/compliance\.checks\.kubernetes\.prod-replicas\.threshold'/);
    expect(() =>
      read({ checks: { catalog: { system: { threshold: 1 } } } }),
    ).toThrow(
      /compliance\.checks\.catalog\.system\.threshold': check 'catalog.system' has no threshold/,
    );
  });

  it('stops on an unknown check group, naming the key', () => {
    expect(() => read({ checks: { svn: { externals: {} } } })).toThrow(
      "Invalid config value at 'compliance.checks.svn.externals': unknown check",
    );
  });

  it('stops on levels out of order and on a bad waiver maximum', () => {
    expect(() =>
      read({
        levels: [
          { name: 'Bronze', minScore: 50 },
          { name: 'Gold', minScore: 90 },
        ],
      }),
    ).toThrow(/compliance\.levels\[1\]\.minScore/);
    expect(() => read({ waivers: { maxDays: 0 } })).toThrow(
      /compliance\.waivers\.maxDays/,
    );
  });

  it('names the level a score reaches', () => {
    const { levels } = readComplianceConfig(new ConfigReader({}));
    expect(levelOf(95, levels)).toBe('Gold');
    expect(levelOf(80, levels)).toBe('Silver');
    expect(levelOf(10, levels)).toBe('None');
    expect(levelOf(null, levels)).toBe('None');
  });

  it('reads the waiver approver groups, by default the admin groups', () => {
    expect(
      readComplianceConfig(
        new ConfigReader({
          portolan: {
            permissions: { adminGroups: ['group:default/portolan-admins'] },
          },
        }),
      ).waiverApproverGroups,
    ).toEqual(['group:default/portolan-admins']);
    expect(
      readComplianceConfig(
        new ConfigReader({
          portolan: {
            permissions: { adminGroups: ['group:default/portolan-admins'] },
          },
          compliance: {
            waivers: { approverGroups: ['security', 'group:ops/sre'] },
          },
        }),
      ).waiverApproverGroups,
    ).toEqual(['group:default/security', 'group:ops/sre']);
  });

  it('stops on bad approver groups, naming the key', () => {
    expect(() => read({ waivers: { approverGroups: [] } })).toThrow(
      "Invalid config value at 'compliance.waivers.approverGroups': must name at least one group",
    );
    expect(() =>
      read({
        waivers: { approverGroups: ['group:default/ok', 'user:default/bob'] },
      }),
    ).toThrow(
      "Invalid config value at 'compliance.waivers.approverGroups[1]': 'user:default/bob' is not a Group reference",
    );
  });
});
