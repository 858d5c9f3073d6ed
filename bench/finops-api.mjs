// FinOps (issue 14): see plugins/finops-backend/bench/finopsBench.ts (api).
// PostgreSQL too with BENCH_POSTGRES=postgresql://user:pass@host:port (api).
import { runTypeScriptBench } from './lib.mjs';

await runTypeScriptBench(
  'plugins/finops-backend/bench/finopsBench.ts',
  ['api'],
  'finops-api',
);
