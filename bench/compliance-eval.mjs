// Compliance (issue 13): see plugins/compliance-backend/bench/complianceBench.ts
// (eval). PostgreSQL too with BENCH_POSTGRES=postgresql://user:pass@host:port.
import { runTypeScriptBench } from './lib.mjs';

await runTypeScriptBench(
  'plugins/compliance-backend/bench/complianceBench.ts',
  ['eval'],
  'compliance-eval',
);
