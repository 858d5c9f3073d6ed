import { ConfigReader } from '@backstage/config';
import { CHECK_IDS, CheckResult } from '@portolan/plugin-compliance-common';
import { readComplianceConfig } from '../config/ComplianceConfig';
import { ServiceFacts } from '../facts/ServiceFacts';
import { NOW, SERVICE, facts } from '../__testUtils__/facts';
import { evaluateChecks } from './evaluateChecks';

const DAY = 86_400_000;
const settings = readComplianceConfig(
  new ConfigReader({
    compliance: { allowedRegistries: ['registry.example'] },
  }),
);

function results(f: ServiceFacts, s = settings): Record<string, CheckResult> {
  return Object.fromEntries(evaluateChecks(f, s, NOW).map(r => [r.checkId, r]));
}

const base = facts();
const workload = (base.workloads as { ok: true; value: any[] }).value[0];
const container = workload.containers[0];
const withWorkload = (w: object, c: object = {}) =>
  facts({
    workloads: {
      ok: true,
      value: [{ ...workload, ...w, containers: [{ ...container, ...c }] }],
    },
  });
const app = (base.argocd as { ok: true; value: any[] }).value[0];
const withApp = (a: object) =>
  facts({ argocd: { ok: true, value: [{ ...app, ...a }] } });
const deploy = (daysAgo: number, result: string) => ({
  entityRef: SERVICE,
  environment: 'prod',
  revision: `rev${daysAgo}${result}`.padEnd(12, '0'),
  startedAt: new Date(NOW - daysAgo * DAY).toISOString(),
  result: result as any,
  app: 'payment-gateway-prod',
});
const withDeploys = (...d: ReturnType<typeof deploy>[]) =>
  facts({ deliveries: { ok: true, value: d } });

describe('evaluateChecks', () => {
  it('evaluates all 20 checks of a prod service; the baseline fails only the runbook', () => {
    const r = results(base);
    expect(Object.keys(r).sort()).toEqual([...CHECK_IDS].sort());
    expect(CHECK_IDS).toHaveLength(20);
    expect(
      Object.values(r)
        .filter(c => c.status !== 'pass')
        .map(c => c.checkId),
    ).toEqual(['catalog.runbook']);
  });

  it.each([
    [
      'catalog.owner-group',
      facts({ ownerIsGroup: false }),
      /group:default\/team-payments is not a Group/,
    ],
    ['catalog.owner-group', facts({ owner: undefined }), /no owner/],
    ['catalog.system', facts({ system: undefined }), /no system/],
    ['catalog.description', facts({ description: '  ' }), /no description/],
    ['catalog.oncall', facts({ links: [] }), /No on-call link/],
    [
      'argocd.app-per-environment',
      facts({ environments: ['prod', 'staging'] }),
      /No Argo CD app for staging/,
    ],
    [
      'argocd.prod-auto-sync',
      withApp({ selfHeal: false }),
      /does not sync automatically with self-heal/,
    ],
    [
      'argocd.prod-default-branch',
      withApp({ targetRevision: 'feature/x' }),
      /Prod tracks feature\/x/,
    ],
    [
      'kubernetes.resources',
      withWorkload({}, { limits: [] }),
      /1 container lacks requests or limits/,
    ],
    [
      'kubernetes.no-latest-tag',
      withWorkload({}, { image: 'registry.example/pg:latest' }),
      /runs a :latest/,
    ],
    [
      'kubernetes.no-latest-tag',
      withWorkload({}, { image: 'registry.example/pg' }),
      /untagged/,
    ],
    [
      'kubernetes.allowed-registries',
      withWorkload({}, { image: 'ghcr.io/x/pg:1.0' }),
      /registries not allowed \(allowed: registry.example\)/,
    ],
    [
      'kubernetes.prod-replicas',
      withWorkload({ replicas: 1 }),
      /runs 1 replica\(s\) in prod; at least 2 needed/,
    ],
    [
      'kubernetes.probes',
      withWorkload({}, { readiness: false }),
      /misses a liveness or readiness probe/,
    ],
    [
      'kubernetes.prod-canary',
      withWorkload({ kind: 'Deployment', canary: false, analysis: false }),
      /not rolled out by a canary/,
    ],
    [
      'delivery.change-failure-rate',
      withDeploys(deploy(1, 'failed'), deploy(2, 'succeeded')),
      /Change failure rate 50 % is above 30 %/,
    ],
    [
      'delivery.recently-deployed',
      withDeploys(deploy(91, 'succeeded')),
      /No prod deploy in the last 90 days/,
    ],
    [
      'delivery.no-unrestored-failure',
      withDeploys(deploy(1, 'canary-aborted'), deploy(3, 'succeeded')),
      /had its canary aborted and nothing restored it/,
    ],
    [
      'git.ci-workflow',
      facts({
        repository: {
          ok: true,
          value: { url: 'https://x/r', etag: 'e', files: ['CODEOWNERS'] },
        },
      }),
      /no CI workflow/,
    ],
    [
      'git.codeowners',
      facts({
        repository: {
          ok: true,
          value: {
            url: 'https://x/r',
            etag: 'e',
            files: ['.gitlab-ci.yml', 'src/CODEOWNERS'],
          },
        },
      }),
      /no CODEOWNERS file/,
    ],
  ])('%s fails with the reason and evidence', (checkId, f, reason) => {
    const r = results(f)[checkId];
    expect(r.status).toBe('fail');
    expect(r.reason).toMatch(reason);
    expect(r.evidence.length).toBeGreaterThan(0);
  });

  it.each([
    ['argocd', { argocd: { ok: false, reason: 'Argo CD argocd-prod: 503' } }],
    [
      'kubernetes',
      { workloads: { ok: false, reason: 'Cluster prod-eu: timeout' } },
    ],
    ['delivery', { deliveries: { ok: false, reason: 'delivery API: 500' } }],
    [
      'git',
      {
        repository: {
          ok: false,
          reason: 'The repository https://x could not be read: 502',
        },
      },
    ],
  ] as const)(
    'makes every %s check unknown with the reason when the source is down',
    (group, override) => {
      const r = evaluateChecks(
        facts(override as Partial<ServiceFacts>),
        settings,
        NOW,
      );
      const ofGroup = r.filter(c => c.checkId.startsWith(`${group}.`));
      expect(ofGroup.length).toBeGreaterThan(0);
      for (const c of ofGroup) {
        expect(c).toMatchObject({
          status: 'unknown',
          reason: Object.values(override)[0].reason,
        });
      }
      // Nothing else becomes unknown.
      expect(r.filter(c => c.status === 'unknown')).toHaveLength(
        ofGroup.length,
      );
    },
  );

  it('passes the delivery checks for a healthy history', () => {
    const r = results(
      withDeploys(
        deploy(1, 'succeeded'),
        deploy(2, 'rolled-back'),
        deploy(3, 'failed'),
        deploy(4, 'succeeded'),
        deploy(5, 'succeeded'),
      ),
    );
    // 1 failure of 4 changes (the rollback is not a change): 25 %.
    expect(r['delivery.change-failure-rate']).toMatchObject({
      status: 'pass',
      reason: 'Change failure rate 25 % (at most 30 %)',
    });
    expect(r['delivery.no-unrestored-failure'].status).toBe('pass');
  });

  it('reads thresholds from config', () => {
    const strict = readComplianceConfig(
      new ConfigReader({
        compliance: {
          allowedRegistries: ['registry.example'],
          checks: {
            kubernetes: { 'prod-replicas': { threshold: 4 } },
            delivery: {
              'change-failure-rate': { threshold: 20 },
              'recently-deployed': { threshold: 1 },
            },
          },
        },
      }),
    );
    const r = results(
      withDeploys(
        deploy(2, 'failed'),
        deploy(3, 'succeeded'),
        deploy(4, 'succeeded'),
        deploy(5, 'succeeded'),
      ),
      strict,
    );
    expect(r['kubernetes.prod-replicas'].reason).toMatch(
      /runs 3 replica\(s\) in prod; at least 4 needed/,
    );
    expect(r['delivery.change-failure-rate'].reason).toBe(
      'Change failure rate 25 % is above 20 %',
    );
    expect(r['delivery.recently-deployed'].reason).toBe(
      'No prod deploy in the last 1 days',
    );
    // The defaults pass the same facts.
    const lax = results(
      withDeploys(
        deploy(2, 'failed'),
        ...[3, 4, 5].map(d => deploy(d, 'succeeded')),
      ),
    );
    expect(lax['kubernetes.prod-replicas'].status).toBe('pass');
    expect(lax['delivery.change-failure-rate'].status).toBe('pass');
  });

  it('applies checks by lifecycle and prod-only checks to prod services only', () => {
    const byLifecycle = readComplianceConfig(
      new ConfigReader({
        compliance: {
          checks: {
            delivery: { 'recently-deployed': { lifecycles: ['production'] } },
            git: { codeowners: { enabled: false } },
          },
        },
      }),
    );
    const experimental = results(
      facts({ lifecycle: 'experimental' }),
      byLifecycle,
    );
    expect(experimental['delivery.recently-deployed']).toBeUndefined();
    expect(experimental['git.codeowners']).toBeUndefined();
    expect(experimental['delivery.change-failure-rate']).toBeDefined();
    // No lifecycle at all: a lifecycle-bound check does not apply either.
    expect(
      results(facts({ lifecycle: undefined }), byLifecycle)[
        'delivery.recently-deployed'
      ],
    ).toBeUndefined();
    expect(
      results(facts(), byLifecycle)['delivery.recently-deployed'],
    ).toBeDefined();

    const notInProd = results(facts({ environments: ['dev', 'staging'] }));
    for (const id of [
      'argocd.prod-auto-sync',
      'kubernetes.prod-replicas',
      'kubernetes.prod-canary',
      'delivery.change-failure-rate',
    ]) {
      expect([id, notInProd[id]]).toEqual([id, undefined]);
    }
    expect(notInProd['kubernetes.probes']).toBeDefined();
    expect(Object.keys(notInProd)).toHaveLength(13);
  });
});
