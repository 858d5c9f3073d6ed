// Deployment ingestion (issue 5): ~300 apps, 3 environments, 2 Argo CD
// instances; one cycle ≤ 10 s, ≤ 1 Argo CD call per app + 1 per new revision.
import { execFileSync } from 'node:child_process';
import { repoRoot, table, writeResult } from './lib.mjs';

const out = execFileSync(
  process.execPath,
  [
    '--require',
    '@backstage/cli-node/config/nodeTransform.cjs',
    'plugins/delivery-backend/bench/ingestionBench.ts',
  ],
  { cwd: repoRoot, encoding: 'utf8', env: process.env },
);
const r = JSON.parse(
  out
    .trim()
    .split('\n')
    .filter(l => l.startsWith('{'))
    .pop(),
);
table([
  [
    `${r.apps} apps (${r.services} services) on ${r.instances} instances`,
    `${r.distinctRevisionsVisible} revisions in Argo CD's history`,
  ],
  ...r.cycles.map((c, i) => [
    `cycle ${i + 1}${i === 0 ? ' (empty database)' : ''}`,
    `${(c.ms / 1000).toFixed(2)} s (budget 10), ${c.calls} Argo CD calls (${
      c.metadataCalls
    } revision metadata), ${c.rolloutLists ?? 0} Rollouts lists, ${
      c.rows
    } rows (${c.newRows ?? c.rows} new)`,
  ]),
]);
writeResult('delivery-ingestion', r);
