// Browser tests: starts the built portal (bin/portal start, a fresh data
// directory), runs every e2e/tests/*.test.mjs against it with Node's test
// runner, then stops it. With BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING
// set (as CI sets it), the security suite runs a second time against a
// portal on PostgreSQL (fresh databases, dropped afterwards).
//
//   node e2e/run.mjs [test-name-pattern]
//
// Chromium: $CHROMIUM_PATH or /usr/bin/chromium (apt-get install chromium).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
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
const port = Number(process.env.PORTOLAN_E2E_PORT ?? '7007');
mkdirSync(join(root, 'e2e/artifacts'), { recursive: true });
const pattern = process.argv[2];
const allTests = readdirSync(join(root, 'e2e/tests'))
  .filter(f => f.endsWith('.test.mjs'))
  .sort()
  .map(f => join(root, 'e2e/tests', f));

let running;
function stopPortal() {
  if (running && !running.exited) {
    try {
      process.kill(-running.process.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
process.on('exit', stopPortal);
process.on('SIGINT', () => process.exit(130));

/** Starts a portal, runs `files` against it, stops it; resolves to the exit code. */
async function runAgainstPortal({
  label,
  configFiles,
  files,
  portOffset = 0,
  extraEnv = {},
}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'portolan-e2e-'));
  const portalPort = port + portOffset;
  const child = spawn(join(root, 'bin/portal'), ['start'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      ...extraEnv,
      PORTOLAN_PORT: String(portalPort),
      PORTOLAN_DATA_DIR: dataDir,
      PORTOLAN_CONFIG: configFiles.join(' '),
    },
  });
  // This portal's own state: the previous portal's late 'exit' event must
  // not mark this one as gone.
  const state = { process: child, exited: false };
  running = state;
  child.on('exit', () => {
    state.exited = true;
  });

  const baseUrl = `http://localhost:${portalPort}`;
  const started = Date.now();
  for (;;) {
    if (state.exited) {
      console.error(`e2e (${label}): the portal exited during start-up`);
      return 1;
    }
    try {
      const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
      if (res.ok) break;
    } catch {
      // not yet
    }
    if (Date.now() - started > 300_000) {
      console.error(`e2e (${label}): the portal was not ready within 300 s`);
      stopPortal();
      return 1;
    }
    await new Promise(r => setTimeout(r, 500));
  }
  console.log(
    `e2e (${label}): portal ready at ${baseUrl} after ${
      Date.now() - started
    } ms`,
  );

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
  // Wait for it to be gone (its ports free) before anything starts again.
  await new Promise(r => {
    if (state.exited) r();
    child.once('exit', r);
    setTimeout(r, 15_000).unref();
  });
  await new Promise(r => setTimeout(r, 1000));
  rmSync(dataDir, { recursive: true, force: true });
  return code;
}

let code = await runAgainstPortal({
  label: 'SQLite',
  configFiles: ['e2e/fixtures/app-config.e2e.yaml'],
  files: allTests,
});

const pgUrl = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
if (code === 0 && pgUrl && !pattern) {
  // Every plugin's database gets this run's own prefix, so nothing left
  // from an earlier run is seen, and they are dropped afterwards.
  const prefix = `e2e_${randomBytes(4).toString('hex')}_`;
  const url = new URL(pgUrl);
  const configDir = mkdtempSync(join(tmpdir(), 'portolan-e2e-pg-'));
  const configFile = join(configDir, 'app-config.pg.yaml');
  writeFileSync(
    configFile,
    JSON.stringify({
      backend: {
        database: {
          client: 'pg',
          prefix,
          connection: {
            host: url.hostname,
            port: Number(url.port || 5432),
            user: decodeURIComponent(url.username),
            password: decodeURIComponent(url.password),
          },
        },
      },
    }),
  );
  code = await runAgainstPortal({
    label: 'PostgreSQL',
    configFiles: ['e2e/fixtures/app-config.e2e.yaml', configFile],
    files: allTests.filter(f => f.endsWith('security.test.mjs')),
  });
  rmSync(configDir, { recursive: true, force: true });
  await dropDatabases(url, prefix).catch(error =>
    console.warn(
      `e2e: could not drop the ${prefix}* databases: ${error.message}`,
    ),
  );
}
process.exit(code);

async function dropDatabases(url, prefix) {
  const require = createRequire(join(root, 'packages/backend/package.json'));
  const { Client } = require('pg');
  const client = new Client({
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: 'postgres',
  });
  await client.connect();
  try {
    const { rows } = await client.query(
      'select datname from pg_database where datname like $1',
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      await client.query(
        `drop database if exists "${datname.replace(/"/g, '')}"`,
      );
    }
  } finally {
    await client.end();
  }
}
