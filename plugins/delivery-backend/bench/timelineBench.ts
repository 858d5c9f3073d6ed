// Timeline query (issue 5): an entity with 5,000 deployments in a
// 100,000-row table, 20 concurrent clients, SQLite and (when
// BENCH_POSTGRES is a connection string) PostgreSQL.
// Run: node bench/run.mjs delivery-timeline
import knexFactory, { Knex } from 'knex';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DeploymentRow,
  DeploymentStore,
} from '../src/database/DeploymentStore';

function percentile(values: number[], p: number) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function bench(label: string, knex: Knex) {
  const store = await DeploymentStore.create({
    database: { getClient: async () => knex, migrations: { skip: false } },
  });
  const T0 = Date.UTC(2025, 0, 1);
  const rows: DeploymentRow[] = [];
  for (let i = 0; i < 100_000; i++) {
    const service = i % 20 === 0 ? 'hot-service' : `svc-${i % 400}`;
    rows.push({
      entityRef: `component:default/${service}`,
      environment: ['dev', 'staging', 'prod'][i % 3],
      instance: 'argocd',
      app: `${service}-${['dev', 'staging', 'prod'][i % 3]}`,
      historyId: i + 1,
      revision: i.toString(16).padStart(40, '0'),
      startedAt: new Date(T0 + i * 300_000),
      finishedAt: new Date(T0 + i * 300_000 + 60_000),
      result: i % 13 === 0 ? 'failed' : 'succeeded',
    });
  }
  const t = performance.now();
  await store.upsertDeployments(rows);
  const loadMs = performance.now() - t;
  // What autovacuum does shortly after a bulk load in production.
  if (label === 'postgres') await knex.raw('analyze delivery_deployments');
  const times: number[] = [];
  let cursorPages = 0;
  const client = async () => {
    for (let i = 0; i < 50; i++) {
      let s = performance.now();
      const page = await store.timeline({
        entityRef: 'component:default/hot-service',
        limit: 50,
        environment: i % 2 ? 'prod' : undefined,
      });
      times.push(performance.now() - s);
      if (page.nextCursor && i % 5 === 0) {
        s = performance.now();
        await store.timeline({
          entityRef: 'component:default/hot-service',
          limit: 50,
          cursor: page.nextCursor,
        });
        times.push(performance.now() - s);
        cursorPages++;
      }
    }
  };
  const wall = performance.now();
  await Promise.all(Array.from({ length: 20 }, client));
  const wallMs = performance.now() - wall;
  console.log(
    JSON.stringify({
      db: label,
      rows: 100_000,
      entityRows: 5000,
      loadMs: Math.round(loadMs),
      requests: times.length,
      cursorPages,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      wallMs: Math.round(wallMs),
    }),
  );
  await knex.destroy();
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'timeline-bench-'));
  await bench(
    'sqlite',
    knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'db.sqlite') },
      useNullAsDefault: true,
    }),
  );
  fs.rmSync(dir, { recursive: true, force: true });
  if (process.env.BENCH_POSTGRES) {
    const admin = knexFactory({
      client: 'pg',
      connection: `${process.env.BENCH_POSTGRES}/postgres`,
    });
    const name = `timeline_bench_${Date.now()}`;
    await admin.raw(`create database ${name}`);
    await bench(
      'postgres',
      knexFactory({
        client: 'pg',
        connection: {
          connectionString: `${process.env.BENCH_POSTGRES}/${name}`,
        },
        pool: { min: 0, max: 10 },
      }),
    );
    await admin.raw(`drop database ${name}`);
    await admin.destroy();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
