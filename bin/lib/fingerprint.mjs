// Prints a short content hash of the given files and directories
// (node_modules, build output and tests excluded), for bin/portal's
// "skip install/build when nothing changed".
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const SKIP = new Set([
  'node_modules',
  'dist',
  'dist-types',
  '.git',
  'coverage',
]);
const files = [];
function walk(path) {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path).sort()) {
      if (!SKIP.has(entry)) walk(join(path, entry));
    }
  } else if (!/\.test\.tsx?$/.test(path)) {
    files.push(path);
  }
}
for (const arg of process.argv.slice(2)) if (existsSync(arg)) walk(arg);
const hash = createHash('sha256');
for (const file of files)
  hash.update(file).update('\0').update(readFileSync(file));
process.stdout.write(`${hash.digest('hex').slice(0, 16)}\n`);
