// Browser tests: starts the built portal once (bin/portal start, a fresh
// data directory), runs every e2e/tests/*.test.mjs against it with Node's
// test runner, then stops it.
//
//   node e2e/run.mjs [test-name-pattern]
//
// Chromium: $CHROMIUM_PATH or /usr/bin/chromium (apt-get install chromium).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(
    `e2e: Chromium not found at ${chromium}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`,
  );
  process.exit(1);
}
const port = process.env.PORTOLAN_E2E_PORT ?? '7007';
const dataDir = mkdtempSync(join(tmpdir(), 'portolan-e2e-'));
mkdirSync(join(root, 'e2e/artifacts'), { recursive: true });

const portal = spawn(join(root, 'bin/portal'), ['start'], {
  cwd: root,
  detached: true,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    PORTOLAN_PORT: port,
    PORTOLAN_DATA_DIR: dataDir,
    PORTOLAN_CONFIG: 'e2e/fixtures/app-config.e2e.yaml',
  },
});
let portalExited = false;
portal.on('exit', () => {
  portalExited = true;
});

function stopPortal() {
  if (!portalExited) {
    try {
      process.kill(-portal.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
process.on('exit', stopPortal);
process.on('SIGINT', () => process.exit(130));

const baseUrl = `http://localhost:${port}`;
const started = Date.now();
for (;;) {
  if (portalExited) {
    console.error('e2e: the portal exited during start-up');
    process.exit(1);
  }
  try {
    const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
    if (res.ok) break;
  } catch {
    // not yet
  }
  if (Date.now() - started > 300_000) {
    console.error('e2e: the portal was not ready within 300 s');
    process.exit(1);
  }
  await new Promise(r => setTimeout(r, 500));
}
console.log(`e2e: portal ready at ${baseUrl} after ${Date.now() - started} ms`);

const files = readdirSync(join(root, 'e2e/tests'))
  .filter(f => f.endsWith('.test.mjs'))
  .sort()
  .map(f => join(root, 'e2e/tests', f));
const pattern = process.argv[2];
const runner = spawn(
  process.execPath,
  [
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    ...(pattern ? ['--test-name-pattern', pattern] : []),
    ...files,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      PORTOLAN_E2E_URL: baseUrl,
      PORTOLAN_E2E_DATA_DIR: dataDir,
      CHROMIUM_PATH: chromium,
    },
  },
);
const code = await new Promise(r => runner.on('exit', c => r(c ?? 1)));
stopPortal();
await new Promise(r => setTimeout(r, 1000));
rmSync(dataDir, { recursive: true, force: true });
process.exit(code);
