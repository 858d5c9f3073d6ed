// Compliance benchmarks (issue 13). Run through bin/portal bench
// compliance-eval | compliance-api. Prints one JSON line per result.
//   eval: a full cycle for 1,000 services (facts from fake upstreams that
//         count their calls: catalog, 2 Argo CDs, 3 clusters, delivery, and
//         a forge behind the UrlReader with 1,000 repositories answering
//         after BENCH_GIT_LATENCY_MS (default 5) per commit lookup and
//         BENCH_GIT_ARCHIVE_MS (default 20) more per archive download),
//         every check evaluated and stored (SQLite; PostgreSQL with BENCH_POSTGRES)
//   git:  the sandbox Git stand-in with 1,000 seeded repositories (seeding
//         time), read twice over real HTTP through Backstage's own Gitea
//         UrlReader: first cycle (every archive) and an unchanged one (ETags)
//   api:  team and organisation KPI reads with 1,000 services and 52 weeks of
//         stored scores and snapshots: p50/p95 (SQLite; PostgreSQL with BENCH_POSTGRES)
import { ConfigReader } from '@backstage/config';
import { NotModifiedError } from '@backstage/errors';
import knexFactory, { Knex } from 'knex';
import { readComplianceConfig } from '../src/config/ComplianceConfig';
import { ComplianceStore } from '../src/database/ComplianceStore';
import { FactCollector } from '../src/facts/FactCollector';
import {
  RepositoryFilesReader,
  isCiFile,
} from '../src/facts/RepositoryFilesReader';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { GitStandIn } from '@portolan/sandbox/src/git/GitStandIn';
import { serviceRepositories } from '@portolan/sandbox/src/git/serviceRepositories';
import { close, listen } from '@portolan/sandbox/src/http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
const repoUrl = (i: number) => `https://git.example/acme/${name(i)}/tree/main/`;
const GIT_LATENCY_MS = Number(process.env.BENCH_GIT_LATENCY_MS ?? 5);
const GIT_ARCHIVE_MS = Number(process.env.BENCH_GIT_ARCHIVE_MS ?? 20);
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * A forge as Backstage's UrlReader sees it: readTree looks up the latest
 * commit (one call), answers NotModified when it is the ETag given, else
 * downloads the archive. `commits` moves repositories on.
 */
function forge() {
  const calls = { commitLookups: 0, archives: 0 };
  const commits = Array.from({ length: N }, (_, i) => `c${i}-1`);
  const reader = {
    async readTree(url: string, options?: { etag?: string }) {
      const i = Number(url.match(/svc-(\d+)/)![1]);
      calls.commitLookups++;
      await sleep(GIT_LATENCY_MS);
      if (options?.etag === commits[i]) throw new NotModifiedError();
      calls.archives++;
      await sleep(GIT_ARCHIVE_MS);
      const files = [
        ...(i % 19 ? ['.github/workflows/ci.yml'] : []),
        ...(i % 23 ? ['.github/CODEOWNERS'] : []),
      ];
      return {
        etag: commits[i],
        files: async () =>
          files.map(file => ({
            path: file,
            content: async () => Buffer.from(''),
          })),
      };
    },
  } as any;
  return { calls, commits, reader };
}

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
          'backstage.io/source-location': `url:${repoUrl(i)}`,
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
  return { calls, catalog, argocd, clusters, delivery, git: forge() };
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
      repositories: RepositoryFilesReader.create({
        reader: up.git.reader,
        timeoutMs: 10_000,
      }),
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
    const git: object[] = [];
    let last;
    for (let i = 0; i < 3; i++) {
      // Before the third cycle 20 repositories get a new commit.
      if (i === 2) for (let r = 0; r < 20; r++) up.git.commits[r * 50] += '+';
      const before = { ...up.git.calls };
      const started = performance.now();
      last = await evaluator.run();
      runs.push(Math.round(performance.now() - started));
      git.push({
        ...last.stats.git,
        commitLookups: up.git.calls.commitLookups - before.commitLookups,
        archives: up.git.calls.archives - before.archives,
      });
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
        gitLatencyMs: { commitLookup: GIT_LATENCY_MS, archive: GIT_ARCHIVE_MS },
        gitPerCycle: git,
      }),
    );
    await knex.destroy();
  }
}

async function apiBench() {
  for (const [db, knex] of await databases()) {
    const { evaluator, service, store, setNow } = await setup(knex);
    // 52 weekly evaluations: history and snapshots for a year.
    const seedStarted = performance.now();
    for (let w = 51; w >= 0; w--) {
      setNow(T0 - w * 7 * DAY);
      await evaluator.run();
    }
    const seedMs = Math.round(performance.now() - seedStarted);
    /** p50/p95 of n calls; `before` runs untimed ahead of each. */
    const time = async (
      fn: () => Promise<unknown>,
      n: number,
      before?: () => Promise<unknown>,
    ) => {
      const t: number[] = [];
      for (let i = 0; i < n; i++) {
        await before?.();
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
    // The first read after an evaluation: state reloaded, nothing cached.
    const newVersion = () =>
      store.setState('evaluation_id', `bench-${Math.random()}`);
    const teamUncached = await time(
      () =>
        service.summary({
          team: `group:default/team-${Math.floor(Math.random() * TEAMS)}`,
        }),
      40,
      newVersion,
    );
    const orgUncached = await time(() => service.summary({}), 40, newVersion);
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
        teamUncachedMs: teamUncached,
        organisationUncachedMs: orgUncached,
      }),
    );
    await knex.destroy();
  }
}

async function gitBench() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-git-bench-'));
  const git = new GitStandIn(dir, 'portolan', 'bench');
  const seedStarted = performance.now();
  const seeded = await git.seed(
    serviceRepositories(
      Array.from({ length: N }, (_, i) => ({
        name: name(i),
        owner: `team-${i % TEAMS}`,
      })),
    ),
  );
  const seedMs = Math.round(performance.now() - seedStarted);
  const { server, url } = await listen(git.giteaRouter(), '127.0.0.1', 0);
  const host = new URL(url).host;
  const reader = UrlReaders.default({
    logger: logger as any,
    config: new ConfigReader({
      integrations: {
        gitea: [
          { host, baseUrl: url, username: 'portolan', password: 'bench' },
        ],
      },
    }),
  });
  const repos = RepositoryFilesReader.create({ reader, timeoutMs: 30_000 });
  const urls = Array.from(
    { length: N },
    (_, i) => `${url}/portolan/${name(i)}/src/branch/main/`,
  );
  const cycles = [];
  for (let c = 0; c < 2; c++) {
    const before = { ...git.requests };
    const started = performance.now();
    const { facts, stats } = await repos.readAll(urls);
    cycles.push({
      ms: Math.round(performance.now() - started),
      ...stats,
      commitLookups: git.requests.commits - before.commits,
      archives: git.requests.archives - before.archives,
      withCi: [...facts.values()].filter(
        f => f.ok && f.value.files.some(isCiFile),
      ).length,
    });
  }
  console.log(
    JSON.stringify({
      bench: 'compliance-git',
      repositories: N,
      seeded,
      seedMs,
      cycles,
    }),
  );
  await close(server);
  fs.rmSync(dir, { recursive: true, force: true });
}

const mode = process.argv[2];
const benches: Record<string, () => Promise<void>> = {
  api: apiBench,
  git: gitBench,
  eval: evalBench,
};
(benches[mode] ?? evalBench)().catch(error => {
  console.error(error);
  process.exit(1);
});
