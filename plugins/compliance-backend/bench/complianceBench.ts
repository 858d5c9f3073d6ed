// Compliance benchmarks (issue 13). Run through bin/portal bench
// compliance-eval | compliance-api. Prints one JSON line per result.
//   eval: a full cycle for 1,000 services (facts from fake upstreams that
//         count their calls: catalog, 2 Argo CDs, 3 clusters, delivery),
//         every check evaluated and stored (SQLite; PostgreSQL with BENCH_POSTGRES)
//   api:  team and organisation KPI reads with 1,000 services and 52 weeks of
//         stored scores and snapshots: p50/p95 (SQLite; PostgreSQL with BENCH_POSTGRES)
import { ConfigReader } from '@backstage/config';
import knexFactory, { Knex } from 'knex';
import { readComplianceConfig } from '../src/config/ComplianceConfig';
import { ComplianceStore } from '../src/database/ComplianceStore';
import { FactCollector } from '../src/facts/FactCollector';
import { ComplianceEvaluator } from '../src/services/ComplianceEvaluator';
import { ComplianceService } from '../src/services/ComplianceService';

const T0 = Date.parse('2026-11-02T12:00:00Z');
const DAY = 86_400_000;
const N = 1000;
const TEAMS = 20;
const ENVS = ['dev', 'staging', 'prod'];
const logger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child: () => logger,
} as any;
const auth = {
  getOwnServiceCredentials: async () => ({ principal: { type: 'service' } }),
} as any;
const p = (v: number[], q: number) =>
  [...v].sort((a, b) => a - b)[Math.ceil(q * v.length) - 1];

async function databases(): Promise<Array<[string, Knex]>> {
  const list: Array<[string, Knex]> = [
    [
      'sqlite',
      knexFactory({
        client: 'better-sqlite3',
        connection: { filename: ':memory:' },
        useNullAsDefault: true,
      }),
    ],
  ];
  const url = process.env.BENCH_POSTGRES;
  if (url) {
    const admin = knexFactory({
      client: 'pg',
      connection: `${url.replace(/\/$/, '')}/postgres`,
    });
    const db = `compliance_bench_${process.pid}`;
    await admin.raw(`create database ${db}`);
    await admin.destroy();
    list.push([
      'postgres',
      knexFactory({
        client: 'pg',
        connection: `${url.replace(/\/$/, '')}/${db}`,
      }),
    ]);
  }
  return list;
}

const name = (i: number) => `svc-${String(i).padStart(4, '0')}`;

/** Fake upstreams shaped like the real ones, counting their list calls. */
function upstreams() {
  const calls = { catalog: 0, argocd: 0, kubernetes: 0, delivery: 0 };
  const entities: any[] = [];
  for (let t = 0; t < TEAMS; t++) {
    entities.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name: `team-${t}`, namespace: 'default' },
      spec: {},
    });
  }
  for (const env of ENVS) {
    entities.push({
      kind: 'Resource',
      metadata: {
        name: env,
        namespace: 'default',
        annotations: { 'portolan.dev/environment': env },
      },
      spec: { type: 'kubernetes-cluster' },
    });
  }
  for (let i = 0; i < N; i++) {
    entities.push({
      kind: 'Component',
      metadata: {
        name: name(i),
        namespace: 'default',
        description: i % 7 ? 'A service' : undefined,
        annotations: {
          'argocd/app-selector': `backstage.io/kubernetes-id=${name(i)}`,
          'backstage.io/kubernetes-id': name(i),
        },
        links:
          i % 11
            ? [
                { url: 'https://runbooks/x', title: 'Runbook' },
                { url: 'https://oncall/x', type: 'oncall' },
              ]
            : [],
      },
      spec: {
        type: 'service',
        lifecycle: 'production',
        owner: `group:default/team-${i % TEAMS}`,
      },
      relations: [
        { type: 'ownedBy', targetRef: `group:default/team-${i % TEAMS}` },
        { type: 'partOf', targetRef: `system:default/sys-${i % 50}` },
        ...ENVS.map(e => ({
          type: 'dependsOn',
          targetRef: `resource:default/${e}`,
        })),
      ],
    });
  }
  const catalog = {
    getEntities: async () => {
      calls.catalog++;
      return { items: entities };
    },
  } as any;
  const argocd = ['argocd-nonprod', 'argocd-prod'].map(instance => ({
    name: instance,
    calls: { list: 0 },
    async listApplications() {
      this.calls.list++;
      calls.argocd++;
      const envs = instance === 'argocd-prod' ? ['prod'] : ['dev', 'staging'];
      return Array.from({ length: N }, (_, i) =>
        envs.map(env => ({
          metadata: {
            name: `${name(i)}-${env}`,
            labels: { 'backstage.io/kubernetes-id': name(i) },
          },
          spec: {
            destination: { name: env, namespace: 'apps' },
            source: { targetRevision: i % 13 ? 'main' : 'feature-x' },
            syncPolicy: i % 3 ? { automated: { selfHeal: true } } : undefined,
          },
        })),
      ).flat();
    },
  })) as any[];
  const clusters = ENVS.map(env => ({
    cluster: { name: env },
    calls: { list: 0 },
    async listWorkloads() {
      this.calls.list += 2;
      calls.kubernetes += 2;
      return Array.from({ length: N }, (_, i) => ({
        cluster: env,
        kind: env === 'prod' ? 'Rollout' : 'Deployment',
        namespace: 'apps',
        name: name(i),
        labels: { 'backstage.io/kubernetes-id': name(i) },
        replicas: env === 'prod' && i % 9 === 0 ? 1 : 3,
        containers: [
          {
            name: 'app',
            image: `registry.example/${name(i)}:${
              i % 17 ? 'abc1234' : 'latest'
            }`,
            requests: ['cpu', 'memory'],
            limits: ['cpu', 'memory'],
            liveness: true,
            readiness: i % 5 !== 0,
          },
        ],
        canary: env === 'prod',
        analysis: env === 'prod',
      }));
    },
  })) as any[];
  const delivery = {
    async listDeployments() {
      calls.delivery++;
      return Array.from({ length: N * 6 }, (_, k) => ({
        entityRef: `component:default/${name(k % N)}`,
        environment: 'prod',
        revision: `${k}abcdef0123`,
        startedAt: new Date(T0 - (k % 80) * DAY).toISOString(),
        result: k % 10 === 0 ? 'failed' : 'succeeded',
        app: `${name(k % N)}-prod`,
      }));
    },
  } as any;
  return { calls, catalog, argocd, clusters, delivery };
}

async function setup(knex: Knex) {
  const store = await ComplianceStore.create({
    database: { getClient: async () => knex } as any,
  });
  const settings = readComplianceConfig(
    new ConfigReader({
      compliance: { allowedRegistries: ['registry.example'] },
    }),
  );
  let now = T0;
  const clock = () => now;
  const up = upstreams();
  const service = ComplianceService.create({ store, settings, now: clock });
  const evaluator = ComplianceEvaluator.create({
    collector: FactCollector.create({
      catalog: up.catalog,
      auth,
      logger,
      argocd: up.argocd,
      clusters: up.clusters,
      delivery: up.delivery,
      clusterServers: new Map(),
      prodEnvironment: 'prod',
      now: clock,
    }),
    store,
    service,
    settings,
    logger,
    now: clock,
  });
  return {
    store,
    service,
    evaluator,
    up,
    settings,
    setNow: (t: number) => (now = t),
  };
}

async function evalBench() {
  for (const [db, knex] of await databases()) {
    const { evaluator, up, settings } = await setup(knex);
    const runs: number[] = [];
    let last;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      last = await evaluator.run();
      runs.push(Math.round(performance.now() - started));
    }
    console.log(
      JSON.stringify({
        bench: 'compliance-eval',
        database: db,
        services: last!.services,
        checks: settings.checks.length,
        results: last!.results,
        cycleMs: runs,
        upstreamCallsPerCycle: {
          catalog: up.calls.catalog / 3,
          argocdPerInstance: up.calls.argocd / 3 / 2,
          kubernetesPerCluster: up.calls.kubernetes / 3 / 3,
          delivery: up.calls.delivery / 3,
        },
      }),
    );
    await knex.destroy();
  }
}

async function apiBench() {
  for (const [db, knex] of await databases()) {
    const { evaluator, service, setNow } = await setup(knex);
    // 52 weekly evaluations: history and snapshots for a year.
    const seedStarted = performance.now();
    for (let w = 51; w >= 0; w--) {
      setNow(T0 - w * 7 * DAY);
      await evaluator.run();
    }
    const seedMs = Math.round(performance.now() - seedStarted);
    const time = async (fn: () => Promise<unknown>, n: number) => {
      const t: number[] = [];
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        await fn();
        t.push(performance.now() - s);
      }
      return { p50: +p(t, 0.5).toFixed(2), p95: +p(t, 0.95).toFixed(2) };
    };
    const team = await time(
      () =>
        service.summary({
          team: `group:default/team-${Math.floor(Math.random() * TEAMS)}`,
        }),
      200,
    );
    const org = await time(() => service.summary({}), 200);
    const filtered = await time(
      () => service.summary({ group: 'kubernetes', lifecycle: 'production' }),
      100,
    );
    const entity = await time(
      () =>
        service.service(
          `component:default/${name(Math.floor(Math.random() * N))}`,
        ),
      200,
    );
    const trend = (await service.summary({})).trend.length;
    console.log(
      JSON.stringify({
        bench: 'compliance-api',
        database: db,
        services: N,
        weeksStored: trend,
        seedMs,
        teamMs: team,
        organisationMs: org,
        organisationFilteredMs: filtered,
        serviceMs: entity,
      }),
    );
    await knex.destroy();
  }
}

const mode = process.argv[2];
(mode === 'api' ? apiBench() : evalBench()).catch(error => {
  console.error(error);
  process.exit(1);
});
