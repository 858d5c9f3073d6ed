// Faults (issue 16), each reported as what happened:
//  1. an upstream that hangs (Argo CD prod instance and Elasticsearch
//     accept connections and never answer): the service page's APIs
//     answer within their timeouts, the healthy parts still there;
//  2. slow clients (slowloris headers, readers that never read): ordinary
//     requests meanwhile keep their latency;
//  3. PostgreSQL stopped for 10 s while users browse: requests fail fast
//     (503/500 within seconds, no hang), and the portal recovers without
//     a restart (same process).
// (kill -9 of a replica during ingestion: bench/replicas.mjs.)
// PostgreSQL: its own cluster, so others' tests never see the restart:
//   pg_createcluster 15 faults --port 5433 && pg_ctlcluster 15 faults start
//   (role portolan/portolan, superuser). FAULTS_PG_URL, FAULTS_PG_CLUSTER.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dropDatabases,
  sandboxToken,
  startReplicaPortal,
} from '../bin/lib/replicas-cluster.mjs';
import { percentile, table, writeResult } from './lib.mjs';

const pgUrl =
  process.env.FAULTS_PG_URL || 'postgresql://portolan:portolan@127.0.0.1:5433';
const [pgVersion, pgCluster] = (
  process.env.FAULTS_PG_CLUSTER || '15/faults'
).split('/');
const sleep = ms => new Promise(r => setTimeout(r, ms));
const service = 'checkout-service';
const results = {};

// An upstream that accepts and never answers.
const hung = [];
const hang = createServer(socket => hung.push(socket));
await new Promise(r => hang.listen(0, '127.0.0.1', r));
const hangUrl = `http://127.0.0.1:${hang.address().port}`;

const prefix = `bench_faults_${Date.now().toString(36)}_`;
const portal = await startReplicaPortal({
  replicas: 1,
  port: 7447,
  sandboxBasePort: 7580,
  dataDir: mkdtempSync(join(tmpdir(), 'production-faults-')),
  pgUrl,
  prefix,
  extraConfig: sandbox => ({
    argocd: {
      appLocatorMethods: [
        {
          type: 'config',
          instances: sandbox.argocd.map(i =>
            i.name === 'argocd-prod'
              ? { ...i, url: hangUrl }
              : {
                  name: i.name,
                  url: i.url,
                  username: i.username,
                  password: i.password,
                },
          ),
        },
      ],
    },
    logs: {
      clusters: [
        {
          name: sandbox.elasticsearch.name,
          url: hangUrl,
          username: sandbox.elasticsearch.username,
          password: sandbox.elasticsearch.password,
          index: sandbox.elasticsearch.index,
        },
      ],
    },
  }),
});
const replicaPid = portal.state().replicas[0].pid;
const token = await sandboxToken(portal.base, 'margaret.hamilton');
const get = async path => {
  const t0 = Date.now();
  try {
    const res = await fetch(`${portal.base}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(60_000),
    });
    const body = await res.text();
    return { status: res.status, ms: Date.now() - t0, body };
  } catch (error) {
    return { status: error.name, ms: Date.now() - t0, body: '' };
  }
};

try {
  // The catalog must know the service before its page APIs mean anything.
  for (let i = 0; i < 240; i++) {
    if (
      (await get(`/api/catalog/entities/by-name/component/default/${service}`))
        .status === 200
    )
      break;
    await sleep(1000);
  }

  // 1. Hanging upstreams.
  const to = new Date();
  const from = new Date(to.getTime() - 3_600_000);
  const env = await get(
    `/api/delivery/entities/component/default/${service}/environments`,
  );
  const logs = await get(
    `/api/logs/entities/component/default/${service}/search?from=${from.toISOString()}&to=${to.toISOString()}`,
  );
  const catalog = await get(
    `/api/catalog/entities/by-name/component/default/${service}`,
  );
  let envRows = [];
  try {
    envRows = (
      JSON.parse(env.body).items ??
      JSON.parse(env.body).environments ??
      []
    ).map(r => `${r.environment ?? r.name}:${r.error ? 'error' : 'ok'}`);
  } catch {
    // not JSON
  }
  results.hangingUpstream = {
    environments: {
      status: env.status,
      ms: env.ms,
      rows: envRows,
      body: env.body.slice(0, 300),
    },
    logsSearch: {
      status: logs.status,
      ms: logs.ms,
      body: logs.body.slice(0, 200),
    },
    catalog: { status: catalog.status, ms: catalog.ms },
    hungConnections: hung.length,
  };

  // 2. Slow clients.
  const sample = async n => {
    const ms = [];
    for (let i = 0; i < n; i++) {
      ms.push(
        (
          await get(
            `/api/catalog/entities/by-name/component/default/${service}`,
          )
        ).ms,
      );
    }
    return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
  };
  const baseline = await sample(40);
  const port = Number(new URL(portal.base).port);
  const slow = [];
  for (let i = 0; i < 200; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.write(`GET /api/catalog/entities HTTP/1.1\r\nHost: x\r\n`);
    slow.push(s);
  }
  const trickle = setInterval(
    () => slow.forEach(s => s.write('X-a: b\r\n')),
    2000,
  );
  for (let i = 0; i < 20; i++) {
    // Asks for a big answer and never reads it.
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.write(
      `GET /api/catalog/entities HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    s.pause();
    slow.push(s);
  }
  await sleep(3000);
  const during = await sample(40);
  clearInterval(trickle);
  slow.forEach(s => s.destroy());
  results.slowClients = {
    slowlorisSockets: 200,
    nonReadingSockets: 20,
    baselineMs: baseline,
    duringMs: during,
  };

  // 3. PostgreSQL down for 10 s while users browse.
  const paths = [
    `/api/catalog/entities/by-name/component/default/${service}`,
    `/api/delivery/entities/component/default/${service}/deployments?limit=20`,
    '/api/catalog/entities/by-query?filter=kind=component&limit=20',
  ];
  const log = [];
  let browsing = true;
  const browse = async () => {
    while (browsing) {
      for (const p of paths) {
        const r = await get(p);
        log.push({ at: Date.now(), path: p, status: r.status, ms: r.ms });
      }
    }
  };
  const users = Array.from({ length: 5 }, browse);
  await sleep(5000);
  const stoppedAt = Date.now();
  execFileSync('pg_ctlcluster', [pgVersion, pgCluster, 'stop', '-m', 'fast']);
  await sleep(10_000);
  execFileSync('pg_ctlcluster', [pgVersion, pgCluster, 'start']);
  const startedAt = Date.now();
  await sleep(30_000);
  browsing = false;
  await Promise.all(users);
  const outage = log.filter(l => l.at >= stoppedAt && l.at <= startedAt);
  const firstOkAfter = paths.map(p => {
    const ok = log.find(
      l => l.path === p && l.at > startedAt && l.status === 200,
    );
    return ok ? ok.at - startedAt : null;
  });
  const lastFailure = log.filter(l => l.status !== 200).at(-1);
  const byStatus = list =>
    list.reduce(
      (acc, l) => ({ ...acc, [l.status]: (acc[l.status] ?? 0) + 1 }),
      {},
    );
  let alive = true;
  try {
    process.kill(replicaPid, 0);
  } catch {
    alive = false;
  }
  results.postgresRestart = {
    outageRequests: outage.length,
    outageStatuses: byStatus(outage),
    outageMaxMs: Math.max(0, ...outage.map(l => l.ms)),
    outageP95Ms: outage.length
      ? percentile(
          outage.map(l => l.ms),
          95,
        )
      : null,
    msFromStartToFirst200PerPath: firstOkAfter,
    lastFailureMsAfterStart: lastFailure ? lastFailure.at - startedAt : null,
    after: byStatus(log.filter(l => l.at > startedAt + 15_000)),
    samePortalProcess: alive,
  };

  table([
    [
      'hanging Argo CD prod: environments API',
      `HTTP ${env.status} in ${env.ms} ms ${envRows.join(' ')}`,
    ],
    [
      'hanging Elasticsearch: logs search',
      `HTTP ${logs.status} in ${logs.ms} ms`,
    ],
    ['catalog meanwhile', `HTTP ${catalog.status} in ${catalog.ms} ms`],
    [
      '200 slowloris + 20 non-reading sockets',
      `entity p50/p95 ${baseline.p50}/${baseline.p95} ms before, ${during.p50}/${during.p95} ms during`,
    ],
    [
      'PostgreSQL down 10 s',
      `${outage.length} requests: ${JSON.stringify(
        results.postgresRestart.outageStatuses,
      )}, max ${results.postgresRestart.outageMaxMs} ms, p95 ${
        results.postgresRestart.outageP95Ms
      } ms`,
    ],
    [
      'after PostgreSQL is back',
      `first 200 per path after ${firstOkAfter.join(
        ' / ',
      )} ms; from +15 s ${JSON.stringify(
        results.postgresRestart.after,
      )}; same process: ${alive}`,
    ],
  ]);
  writeResult('faults', results);
} finally {
  try {
    execFileSync('pg_ctlcluster', [pgVersion, pgCluster, 'start'], {
      stdio: 'ignore',
    });
  } catch {
    // already running
  }
  portal.stop();
  hung.forEach(s => s.destroy());
  hang.close();
  await sleep(3000);
  await dropDatabases(pgUrl, prefix).catch(e =>
    console.error(`could not drop ${prefix}*: ${e.message}`),
  );
}
process.exit(0);
