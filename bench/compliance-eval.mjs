// Compliance (issue 13): see plugins/compliance-backend/bench/complianceBench.ts (eval).
// PostgreSQL too with BENCH_POSTGRES=postgresql://user:pass@host:port (eval).
import { execFileSync } from 'node:child_process';
import { repoRoot, writeResult } from './lib.mjs';

const out = execFileSync(
  process.execPath,
  [
    '--require',
    '@backstage/cli-node/config/nodeTransform.cjs',
    'plugins/compliance-backend/bench/complianceBench.ts',
    'eval',
  ],
  {
    cwd: repoRoot,
    encoding: 'utf8',
    env: process.env,
    maxBuffer: 64 * 1024 * 1024,
  },
);
const results = out
  .trim()
  .split('\n')
  .filter(l => l.startsWith('{'))
  .map(l => JSON.parse(l));
for (const r of results) console.log(JSON.stringify(r, null, 2));
writeResult('compliance-eval', { results });
