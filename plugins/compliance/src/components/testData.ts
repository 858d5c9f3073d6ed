import {
  CHECKS,
  CheckResultView,
  ComplianceSummary,
  KpiSnapshot,
  ServiceCompliance,
} from '@portolan/plugin-compliance-common';
import { ComplianceApi, ComplianceChecksInfo } from '../api/ComplianceApi';

/** A check as the API shows it, from its definition. */
export function checkView(
  checkId: string,
  over: Partial<CheckResultView> = {},
): CheckResultView {
  const def = CHECKS.find(c => c.id === checkId)!;
  return {
    checkId,
    title: def.title,
    group: def.group,
    fix: def.fix,
    controls: def.controls,
    status: 'pass',
    reason: 'fine',
    evidence: [],
    since: '2026-03-01T00:00:00.000Z',
    ...over,
  };
}

export function serviceView(
  over: Partial<ServiceCompliance> = {},
): ServiceCompliance {
  return {
    entityRef: 'component:default/invoice-service',
    owner: 'group:default/team-payments',
    score: 80,
    level: 'Silver',
    counts: { pass: 4, fail: 1, waived: 1, unknown: 1 },
    evaluatedAt: '2026-03-11T12:00:00.000Z',
    history: [
      { week: '2026-03-02', score: 70, level: 'Bronze' },
      { week: '2026-03-09', score: 80, level: 'Silver' },
    ],
    checks: [
      checkView('catalog.runbook', {
        status: 'fail',
        reason: 'No runbook is linked',
        evidence: [
          {
            source: 'catalog',
            fact: 'metadata.links has no runbook (2 links)',
          },
        ],
      }),
      checkView('kubernetes.probes', {
        status: 'waived',
        reason: '1 container misses a liveness or readiness probe',
        waiver: {
          id: 'w1',
          entityRef: 'component:default/invoice-service',
          checkId: 'kubernetes.probes',
          reason: 'Probe lands with the next release',
          expiresAt: '2026-04-01T00:00:00.000Z',
          status: 'approved',
          requestedBy: 'user:default/barbara',
          requestedAt: '2026-03-10T00:00:00.000Z',
          decidedBy: 'user:default/margaret',
        },
      }),
      checkView('git.ci-workflow', {
        status: 'unknown',
        reason:
          'The repository http://git.example/invoice could not be read: 503',
      }),
      checkView('catalog.system', {
        reason: 'Part of system:default/payments',
      }),
    ],
    ...over,
  };
}

const snapshot = (week: string, over: Partial<KpiSnapshot> = {}) => ({
  week,
  services: 13,
  averageScore: 82.5,
  levels: { Gold: 4, Silver: 6, Bronze: 3 },
  counts: { pass: 200, fail: 21, waived: 2, unknown: 3 },
  checks: {},
  ...over,
});

export function summaryView(
  over: Partial<ComplianceSummary> = {},
): ComplianceSummary {
  return {
    scope: 'organisation',
    current: snapshot('2026-03-09'),
    trend: [
      snapshot('2026-03-02', { averageScore: 80 }),
      snapshot('2026-03-09'),
    ],
    worstOffenders: [
      {
        entityRef: 'component:default/fraud-detector',
        owner: 'group:default/team-risk',
        score: 60,
        level: 'Bronze',
        failing: ['git.ci-workflow', 'git.codeowners'],
        unknown: 0,
      },
    ],
    checks: [
      {
        checkId: 'git.codeowners',
        title: 'CODEOWNERS present',
        group: 'git',
        passShare: 76.9,
        counts: { pass: 10, fail: 3, waived: 0, unknown: 0 },
      },
    ],
    teams: [
      {
        team: 'group:default/team-payments',
        services: 4,
        averageScore: 85,
        levels: { Gold: 2, Silver: 2 },
      },
      {
        team: 'group:default/team-risk',
        services: 2,
        averageScore: 70,
        levels: { Bronze: 2 },
      },
    ],
    levelNames: ['Gold', 'Silver', 'Bronze', 'None'],
    evaluatedAt: '2026-03-11T12:00:00.000Z',
    ...over,
  };
}

export const checksInfo: ComplianceChecksInfo = {
  checks: [...CHECKS],
  waiverMaxDays: 90,
  waiverApproverGroups: ['group:default/security'],
};

/** An API whose every method fails unless the test gives it. */
export function fakeApi(over: Partial<ComplianceApi>): ComplianceApi {
  const missing = (name: string) => () =>
    Promise.reject(new Error(`${name} not expected`));
  return {
    getService: missing('getService'),
    getSummary: missing('getSummary'),
    getChecks: async () => checksInfo,
    listWaivers: async () => [],
    requestWaiver: missing('requestWaiver'),
    decideWaiver: missing('decideWaiver'),
    exportEvidence: missing('exportEvidence'),
    ...over,
  };
}
