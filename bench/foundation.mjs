// Foundation numbers (issue 2):
//   - bin/portal start, cold (fresh clone, empty .tooling/node_modules and
//     an empty Yarn cache) and warm (second start), to ready;
//   - backend ready time and RSS after start and after browsing;
//   - initial JavaScript of the built app, gzip (budget 900 KB).
//
//   node bench/foundation.mjs            warm start + bundle (this checkout)
//   node bench/foundation.mjs --cold     also a cold start from a fresh clone
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot, rssMb, table, writeResult } from './lib.mjs';

const cold = process.argv.includes('--cold');
const port = Number(process.env.BENCH_PORT ?? 7017);

function initialJsGzip(root) {
  const html = readFileSync(join(root, 'packages/app/dist/index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map(
    m => m[1],
  );
  let raw = 0;
  let gzip = 0;
  for (const src of scripts) {
    const file = join(root, 'packages/app/dist', src.replace(/^\//, ''));
    const body = readFileSync(file);
    raw += body.length;
    gzip += gzipSync(body, { level: 6 }).length;
  }
  return {
    scripts: scripts.length,
    rawKb: Math.round(raw / 1024),
    gzipKb: Math.round(gzip / 1024),
  };
}

function backendPid(dataDir) {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  const line = out
    .split('\n')
    .find(
      l =>
        l.includes('src/index.ts') &&
        l.includes(dataDir) &&
        l.includes('--config'),
    );
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}

async function startOnce(root, env) {
  const dataDir = mkdtempSync(join(tmpdir(), 'portolan-bench-'));
  const t0 = Date.now();
  const child = spawn(join(root, 'bin/portal'), ['start'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...env,
      PORTOLAN_PORT: String(port),
      PORTOLAN_DATA_DIR: dataDir,
    },
  });
  let output = '';
  child.stdout.on('data', d => (output += d));
  child.stderr.on('data', d => (output += d));
  let backendStartedAt;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`start failed:\n${output}`);
    if (!backendStartedAt && output.includes('Starting the backend'))
      backendStartedAt = Date.now();
    try {
      const res = await fetch(
        `http://127.0.0.1:${port}/.backstage/health/v1/readiness`,
      );
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    await new Promise(r => setTimeout(r, 100));
  }
  const readyMs = Date.now() - t0;
  const backendReadyMs = backendStartedAt
    ? Date.now() - backendStartedAt
    : undefined;
  const pid = backendPid(dataDir);
  const rssAfterStart = pid && rssMb(pid);
  // Browse a little: sign in, list the catalog, open entities.
  const token = (
    await (
      await fetch(`http://127.0.0.1:${port}/api/auth/guest/refresh`, {
        headers: { 'X-Requested-With': 'XMLHttpRequest' },
      })
    ).json()
  ).backstageIdentity.token;
  const headers = { Authorization: `Bearer ${token}` };
  for (let i = 0; i < 20; i++) {
    await fetch(`http://127.0.0.1:${port}/api/catalog/entities`, {
      headers,
    }).then(r => r.arrayBuffer());
    await fetch(`http://127.0.0.1:${port}/`).then(r => r.arrayBuffer());
  }
  await new Promise(r => setTimeout(r, 2000));
  const rssAfterUse = pid && rssMb(pid);
  process.kill(-child.pid, 'SIGTERM');
  await new Promise(r => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
  return { readyMs, backendReadyMs, rssAfterStart, rssAfterUse };
}

const result = {};
if (cold) {
  const clone = mkdtempSync(join(tmpdir(), 'portolan-cold-'));
  execFileSync('git', ['clone', '-q', repoRoot, clone]);
  const cache = mkdtempSync(join(tmpdir(), 'portolan-yarn-cache-'));
  console.log(
    `cold start in ${clone} (empty Yarn cache ${cache}); this takes minutes`,
  );
  // The system Node (20) is first on PATH, as on a fresh machine.
  const path = (process.env.PATH ?? '')
    .split(':')
    .filter(p => !p.includes('.tooling'))
    .join(':');
  result.cold = await startOnce(clone, {
    YARN_CACHE_FOLDER: cache,
    PATH: path,
  });
  console.log('cold', JSON.stringify(result.cold));
  result.coldSecondRun = await startOnce(clone, {
    YARN_CACHE_FOLDER: cache,
    PATH: path,
  });
  console.log('second run', JSON.stringify(result.coldSecondRun));
  rmSync(clone, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
}
result.warm = await startOnce(repoRoot, {});
result.bundle = initialJsGzip(repoRoot);

const rows = [];
if (result.cold) {
  rows.push([
    'cold start to ready (s)',
    (result.cold.readyMs / 1000).toFixed(1),
  ]);
  rows.push([
    'second start, same clone (s)',
    (result.coldSecondRun.readyMs / 1000).toFixed(1),
  ]);
}
rows.push(['warm start to ready (s)', (result.warm.readyMs / 1000).toFixed(1)]);
rows.push([
  'backend ready after spawn (s)',
  ((result.warm.backendReadyMs ?? NaN) / 1000).toFixed(1),
]);
rows.push([
  'backend RSS after start (MB)',
  `${result.warm.rssAfterStart} (budget 600)`,
]);
rows.push([
  'backend RSS after browsing (MB)',
  `${result.warm.rssAfterUse} (budget 600)`,
]);
rows.push(['initial JS scripts', String(result.bundle.scripts)]);
rows.push(['initial JS raw (KB)', String(result.bundle.rawKb)]);
rows.push(['initial JS gzip (KB)', `${result.bundle.gzipKb} (budget 900)`]);
table(rows);
writeResult('foundation', result);
if (!existsSync(join(repoRoot, 'packages/app/dist/index.html')))
  process.exit(1);
