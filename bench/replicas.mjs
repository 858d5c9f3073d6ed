// Two backend replicas on one PostgreSQL behind the round-robin proxy
// (issue 16): scheduled jobs run once per cycle across replicas, no
// duplicate rows, a token signed on one replica works on the other, and a
// scaffolder task created on one is visible on the other. Then kill -9 one
// replica while ingestion runs: the other completes the next cycles and
// every deploy Argo CD shows is stored exactly once.
// Needs PostgreSQL: BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING or
// PORTOLAN_POSTGRES_URL. Ports 7447-7449, sandbox from 7580.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import {
  dropDatabases,
  sandboxToken,
  root,
  startReplicaPortal,
} from '../bin/lib/replicas-cluster.mjs';
import { table, writeResult } from './lib.mjs';

const pgUrl =
  process.env.PORTOLAN_POSTGRES_URL ||
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
if (!pgUrl) {
  console.error('replicas: set PORTOLAN_POSTGRES_URL (PostgreSQL is needed)');
  process.exit(2);
}
const require = createRequire(join(root, 'packages/backend/package.json'));
const { Client } = require('pg');
const sleep = ms => new Promise(r => setTimeout(r, ms));
const CYCLE_S = 20;
const prefix = `bench_replicas_${Date.now().toString(36)}_`;
const dataDir = mkdtempSync(join(tmpdir(), 'production-replicas-'));

const portal = await startReplicaPortal({
  replicas: 2,
  port: 7447,
  sandboxBasePort: 7580,
  dataDir,
  pgUrl,
  prefix,
  // Short cycles so a few fit in the run.
  extraConfig: {
    delivery: {
      schedule: {
        frequency: { seconds: CYCLE_S },
        // A killed run holds the task's lock until this timeout.
        timeout: { seconds: 60 },
        initialDelay: { seconds: 5 },
      },
    },
  },
});
const [r0, r1] = portal.state().replicas;
const direct = r => `http://127.0.0.1:${r.port}`;
const results = {};

async function deliveryDb(fn) {
  const url = new URL(pgUrl);
  url.pathname = `/${prefix}delivery`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Every history entry each sandbox Argo CD instance shows now. */
async function argoHistory() {
  const keys = new Set();
  for (const instance of portal.sandbox.argocd) {
    const session = await fetch(`${instance.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: instance.username,
        password: instance.password,
      }),
    }).then(r => r.json());
    const apps = await fetch(`${instance.url}/api/v1/applications`, {
      headers: { authorization: `Bearer ${session.token}` },
    }).then(r => r.json());
    for (const app of apps.items ?? []) {
      for (const h of app.status?.history ?? []) {
        keys.add(`${instance.name}/${app.metadata.name}/${h.id}`);
      }
    }
  }
  return keys;
}

/**
 * Delivery ingestion runs that found services, per replica, from the logs
 * (bin/lib/replicas.mjs stamps each line): [{replica, at}].
 */
function ingestionRuns() {
  const runs = [];
  for (const r of portal.state().replicas) {
    const log = readFileSync(join(dataDir, `backend-${r.index}.log`), 'utf8');
    for (const line of log.split('\n')) {
      const m = /^(\S+) .*Ingested deployments of (\d+) services/.exec(line);
      if (m && Number(m[2]) > 0) {
        runs.push({ replica: r.index, at: Date.parse(m[1]) });
      }
    }
  }
  return runs.sort((a, b) => a.at - b.at);
}

try {
  // 1. Sign-in on one replica, used on the other.
  const token = await sandboxToken(direct(r0), 'margaret.hamilton');
  const onOther = await fetch(`${direct(r1)}/api/catalog/entities?limit=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  results.signInAcrossReplicas = {
    tokenFrom: r0.index,
    usedOn: r1.index,
    status: onOther.status,
  };

  // 2. A scaffolder task created on one replica, read on the other (the
  // template must be in the catalog first).
  for (let i = 0; i < 240; i++) {
    const res = await fetch(
      `${direct(
        r0,
      )}/api/catalog/entities/by-name/template/default/new-typescript-service`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    if (res.ok) break;
    await sleep(1000);
  }
  const created = await fetch(`${direct(r0)}/api/scaffolder/v2/tasks`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      templateRef: 'template:default/new-typescript-service',
      values: {
        name: `replica-check-${Date.now().toString(36)}`,
        owner: 'group:default/team-payments',
        system: 'system:default/payments',
        description: 'replica check',
        environments: ['dev'],
      },
    }),
  });
  const createdBody = await created.json().catch(() => ({}));
  let seen = { status: 'not created' };
  // Read on the other replica until it finishes (whichever replica's
  // worker claimed it).
  for (let i = 0; createdBody.id && i < 120; i++) {
    const res = await fetch(
      `${direct(r1)}/api/scaffolder/v2/tasks/${createdBody.id}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const body = await res.json().catch(() => ({}));
    seen = { status: res.status, taskStatus: body.status };
    if (!['open', 'processing'].includes(body.status)) break;
    await sleep(1000);
  }
  results.scaffolderTaskAcrossReplicas = {
    createdOn: r0.index,
    createStatus: created.status,
    createError: createdBody.error?.message,
    taskId: createdBody.id,
    readOn: r1.index,
    ...seen,
  };

  // 3. Cycles with both replicas up.
  const t0 = Date.now();
  await sleep(CYCLE_S * 4 * 1000 + 5000);
  const runsBoth = ingestionRuns().filter(r => r.at >= t0);
  const gaps = runsBoth.slice(1).map((r, i) => r.at - runsBoth[i].at);
  results.bothUp = {
    seconds: Math.round((Date.now() - t0) / 1000),
    deliveryRuns: runsBoth.length,
    byReplica: [0, 1].map(i => runsBoth.filter(r => r.replica === i).length),
    minGapS: gaps.length ? Math.min(...gaps) / 1000 : undefined,
    // Two runs closer than half a cycle would be one cycle run twice.
    doubled: gaps.filter(g => g < (CYCLE_S * 1000) / 2).length,
  };

  // 4. kill -9 a replica while it ingests: wait until the scheduler shows
  // a run in progress (its ticket in the task table), kill the replica
  // that ran last; if the run then completes anyway, the other replica
  // held it, so try again (up to 3 times) after the victim is back.
  const taskRow = () =>
    deliveryDb(c =>
      c.query(
        "select current_run_ticket from backstage_backend_tasks__tasks where id = 'delivery-ingest-deployments'",
      ),
    ).then(r => r.rows[0] ?? {});
  const attempts = [];
  let killedAt = 0;
  let victim;
  for (let attempt = 0; attempt < 3; attempt++) {
    let ticket;
    for (let i = 0; i < CYCLE_S * 20 && !ticket; i++) {
      ticket = (await taskRow()).current_run_ticket;
      if (!ticket) await sleep(100);
    }
    const last = ingestionRuns().at(-1);
    victim = portal.state().replicas[last?.replica ?? 0];
    killedAt = Date.now();
    process.kill(victim.pid, 'SIGKILL');
    // Did the run in progress finish (someone else held it) or hang?
    await sleep(5000);
    const finished = ingestionRuns().some(r => r.at > killedAt);
    attempts.push({
      killed: victim.index,
      runInProgress: Boolean(ticket),
      finishedAnyway: finished,
    });
    if (!finished) break;
    // Wait for the victim to come back before the next try.
    for (let i = 0; i < 120; i++) {
      const r = portal.state().replicas[victim.index];
      const ok = await fetch(
        `http://127.0.0.1:${r.port}/.backstage/health/v1/readiness`,
      )
        .then(res => res.ok)
        .catch(() => false);
      if (ok) break;
      await sleep(1000);
    }
  }
  const before = ingestionRuns().filter(r => r.at <= killedAt).length;
  // The dead run's lock lasts until its timeout (60 s here); then the
  // next cycles run.
  await sleep(CYCLE_S * 6 * 1000);
  const after = ingestionRuns().filter(r => r.at > killedAt);
  results.afterKill = {
    attempts,
    killed: victim.index,
    killedDuringItsRun:
      attempts.at(-1).runInProgress && !attempts.at(-1).finishedAnyway,
    seconds: Math.round((Date.now() - killedAt) / 1000),
    firstRunAfterKillS: after.length
      ? Math.round((after[0].at - killedAt) / 100) / 10
      : null,
    deliveryRuns: after.length,
    byReplica: [0, 1].map(i => after.filter(r => r.replica === i).length),
    runsBeforeKill: before,
  };
  // Through the proxy: only the survivor answers.
  const probes = await Promise.all(
    Array.from({ length: 20 }, () =>
      fetch(`${portal.base}/api/catalog/entities?limit=1`, {
        headers: { authorization: `Bearer ${token}` },
      }).then(r => r.status),
    ),
  );
  results.afterKill.proxyStatuses = probes.reduce(
    (acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }),
    {},
  );

  // 5. Rows against Argo CD's own history: what it shows now must be
  // stored once two more cycles have run (the first may have read Argo CD
  // before this snapshot; the sandbox keeps deploying).
  const snapshotAt = Date.now();
  const visible = await argoHistory();
  for (let i = 0; i < CYCLE_S * 4; i++) {
    if (ingestionRuns().filter(r => r.at > snapshotAt).length >= 2) break;
    await sleep(1000);
  }
  const rows = await deliveryDb(c =>
    c.query('select instance, app, history_id from delivery_deployments'),
  );
  const stored = new Map();
  for (const r of rows.rows) {
    const key = `${r.instance}/${r.app}/${r.history_id}`;
    stored.set(key, (stored.get(key) ?? 0) + 1);
  }
  results.rows = {
    stored: rows.rows.length,
    duplicates: [...stored.values()].filter(n => n > 1).length,
    argoCdHistoryVisible: visible.size,
    missingFromStore: [...visible].filter(k => !stored.has(k)).length,
    missing: [...visible].filter(k => !stored.has(k)),
  };

  table([
    [
      'sign-in token from replica 0 on replica 1',
      `HTTP ${results.signInAcrossReplicas.status}`,
    ],
    [
      'scaffolder task created on 0, read on 1',
      JSON.stringify(results.scaffolderTaskAcrossReplicas),
    ],
    [
      `delivery ingestion, both up (${CYCLE_S} s cycle)`,
      `${results.bothUp.deliveryRuns} runs in ${results.bothUp.seconds} s (replica 0: ${results.bothUp.byReplica[0]}, 1: ${results.bothUp.byReplica[1]}), min gap ${results.bothUp.minGapS} s, ${results.bothUp.doubled} doubled`,
    ],
    [
      `after kill -9 of replica ${results.afterKill.killed}`,
      `${
        results.afterKill.killedDuringItsRun
          ? 'killed during its ingestion run'
          : 'not caught mid-run'
      } (${results.afterKill.attempts.length} tries); first run ${
        results.afterKill.firstRunAfterKillS
      } s after; ${results.afterKill.deliveryRuns} runs in ${
        results.afterKill.seconds
      } s (replica 0: ${results.afterKill.byReplica[0]}, 1: ${
        results.afterKill.byReplica[1]
      }); proxy ${JSON.stringify(results.afterKill.proxyStatuses)}`,
    ],
    [
      'deploy rows vs Argo CD history',
      `${results.rows.stored} stored, ${results.rows.duplicates} duplicated, ${results.rows.missingFromStore} of ${results.rows.argoCdHistoryVisible} visible in Argo CD missing`,
    ],
  ]);
  writeResult('replicas', results);
} finally {
  portal.stop();
  await sleep(3000);
  await dropDatabases(pgUrl, prefix).catch(e =>
    console.error(`could not drop ${prefix}*: ${e.message}`),
  );
}
process.exit(0);
