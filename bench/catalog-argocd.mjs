// Argo CD catalog module (issue 4): index refresh for ≥300 apps on 2
// instances (budget 10 s, one list call per instance), then processing
// every service against the index (no upstream calls).
import { execFileSync } from 'node:child_process';
import { repoRoot, table, writeResult } from './lib.mjs';

const out = execFileSync(
  process.execPath,
  [
    '--require',
    '@backstage/cli-node/config/nodeTransform.cjs',
    'plugins/catalog-backend-module-argocd/bench/indexRefreshBench.ts',
  ],
  { cwd: repoRoot, encoding: 'utf8' },
);
const r = JSON.parse(out.trim().split('\n').pop());
table([
  [
    `index refresh, ${r.apps} apps on ${r.instances} instances (first / median)`,
    `${r.refreshMs.first.toFixed(0)} / ${r.refreshMs.median.toFixed(
      0,
    )} ms (budget 10000)`,
  ],
  [
    'Argo CD list calls per refresh',
    `${r.listCallsPerRefresh} (one per instance)`,
  ],
  ['other Argo CD calls', String(r.otherCalls)],
  [
    `processing ${r.processedEntities} services against the index`,
    `${r.processAllMs.toFixed(0)} ms, ${
      r.relations
    } relations, 0 upstream calls`,
  ],
]);
writeResult('catalog-argocd', r);
