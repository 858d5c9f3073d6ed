// Runs benchmarks: `bin/portal bench` (all) or `bin/portal bench <name>`
// for bench/<name>.mjs. Results go to bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter(f => f.endsWith('.mjs') && f !== 'run.mjs' && !f.startsWith('lib'))
  .map(f => f.replace(/\.mjs$/, ''));
const [name, ...args] = process.argv.slice(2);
if (name && !all.includes(name)) {
  console.error(`unknown benchmark '${name}'; have: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const bench of name ? [name] : all) {
  console.log(`\n## ${bench}`);
  const r = spawnSync(process.execPath, [join(here, `${bench}.mjs`), ...args], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
