// Timeline API store query (issue 5): p95 with 20 concurrent clients for an
// entity with 5,000 deployments in a 100,000-row table (budget 30 ms), on
// SQLite and, with BENCH_POSTGRES=postgresql://user:pass@host:port, PostgreSQL.
import { execFileSync } from 'node:child_process';
import { repoRoot, table, writeResult } from './lib.mjs';

const out = execFileSync(
  process.execPath,
  [
    '--require',
    '@backstage/cli-node/config/nodeTransform.cjs',
    'plugins/delivery-backend/bench/timelineBench.ts',
  ],
  { cwd: repoRoot, encoding: 'utf8', env: process.env },
);
const results = out
  .trim()
  .split('\n')
  .filter(l => l.startsWith('{'))
  .map(l => JSON.parse(l));
table(
  results.map(r => [
    `${r.db}: ${r.requests} timeline queries, 20 clients (load ${r.loadMs} ms)`,
    `p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms (budget 30)`,
  ]),
);
writeResult('delivery-timeline', { results });
