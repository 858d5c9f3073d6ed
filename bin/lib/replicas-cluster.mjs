// The pieces of `bin/portal start --replicas N` for scripts (bench/replicas,
// bench/faults, bench/load): the sandbox, the per-run config layer and
// bin/lib/replicas.mjs, on ports and a data directory of the caller's
// choosing, with fresh PostgreSQL databases (dropped by dropDatabases).
// Install and build are bin/portal's business (`bin/portal bench` runs them).
import { spawn, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

export const root = resolve(new URL('../..', import.meta.url).pathname);
const require = createRequire(join(root, 'packages/backend/package.json'));

const sleep = ms => new Promise(r => setTimeout(r, ms));

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(500);
  }
  throw new Error(`${what} not ready within ${timeoutMs / 1000} s`);
}

/**
 * Starts the sandbox and `replicas` backends behind the proxy on `port`.
 * Returns { base, dataDir, state(), stop() }.
 */
export async function startReplicaPortal({
  replicas,
  port,
  sandboxBasePort,
  dataDir,
  pgUrl,
  prefix,
  extraConfig = {},
}) {
  mkdirSync(dataDir, { recursive: true });
  const children = [];
  const stop = () => {
    for (const child of children.reverse()) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
  };
  process.on('exit', stop);

  const sandboxFile = join(dataDir, 'sandbox.json');
  rmSync(sandboxFile, { force: true });
  const sandboxLog = join(dataDir, 'sandbox.log');
  const sandbox = spawn(
    process.execPath,
    [
      '--require',
      '@backstage/cli-node/config/nodeTransform.cjs',
      'packages/sandbox/src/index.ts',
      '--catalog',
      join(root, 'catalog'),
      '--data-dir',
      dataDir,
      '--realtime',
      '--base-port',
      String(sandboxBasePort),
    ],
    {
      cwd: root,
      stdio: ['ignore', openSync(sandboxLog, 'a'), openSync(sandboxLog, 'a')],
    },
  );
  children.push(sandbox);
  await waitFor(
    `the sandbox (log ${sandboxLog})`,
    async () => existsSync(sandboxFile),
    60_000,
  );

  const runConfig = join(dataDir, 'app-config.run.yaml');
  writeFileSync(
    runConfig,
    execFileSync(
      process.execPath,
      [join(root, 'bin/lib/write-run-config.mjs'), dataDir, String(port), '1'],
      { encoding: 'utf8' },
    ),
  );
  const extra = join(dataDir, 'app-config.extra.yaml');
  // extraConfig: an object, or a function of the sandbox's endpoints.
  const sandboxInfo = JSON.parse(readFileSync(sandboxFile, 'utf8'));
  writeFileSync(
    extra,
    JSON.stringify(
      typeof extraConfig === 'function'
        ? extraConfig(sandboxInfo)
        : extraConfig,
    ),
  );
  const proxy = spawn(
    process.execPath,
    [
      join(root, 'bin/lib/replicas.mjs'),
      String(replicas),
      String(port),
      dataDir,
      process.env.PORTOLAN_BACKEND_HEAP_MB || '384',
      '--',
      '--config',
      join(root, 'app-config.yaml'),
      '--config',
      runConfig,
      '--config',
      extra,
    ],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        PORTOLAN_POSTGRES_URL: pgUrl,
        PORTOLAN_POSTGRES_PREFIX: prefix,
      },
    },
  );
  children.push(proxy);
  const state = () =>
    JSON.parse(readFileSync(join(dataDir, 'replicas.json'), 'utf8'));
  await waitFor(
    'replicas.json',
    async () => existsSync(join(dataDir, 'replicas.json')),
    30_000,
  );
  // Every replica ready, not just the first.
  await waitFor(
    `${replicas} replicas (logs ${dataDir}/backend-*.log)`,
    async () => {
      const started = state().replicas;
      if (started.length < replicas) return false;
      const results = await Promise.all(
        started.map(r =>
          fetch(`http://127.0.0.1:${r.port}/.backstage/health/v1/readiness`)
            .then(res => res.ok)
            .catch(() => false),
        ),
      );
      return results.every(Boolean);
    },
    300_000,
  );
  // And the proxy has seen them ready (it checks every second).
  await waitFor(
    'the proxy',
    async () =>
      (
        await fetch(`http://127.0.0.1:${port}/.backstage/health/v1/readiness`)
      ).ok,
    30_000,
  );
  return {
    base: `http://127.0.0.1:${port}`,
    dataDir,
    sandbox: sandboxInfo,
    state,
    stop,
  };
}

/** Drops every database named <prefix>*. */
export async function dropDatabases(pgUrl, prefix) {
  const { Client } = require('pg');
  const url = new URL(pgUrl);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rows } = await client.query(
      'select datname from pg_database where datname like $1',
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      await client.query(`drop database if exists "${datname}" with (force)`);
    }
  } finally {
    await client.end();
  }
}

/** A token of a catalog user through sandbox sign-in (guest if refused). */
export async function sandboxToken(base, user) {
  const res = await fetch(`${base}/api/auth/sandbox/refresh`, {
    headers: {
      'X-Requested-With': 'XMLHttpRequest',
      'x-portolan-sandbox-user': user,
    },
  });
  if (res.ok) return (await res.json()).backstageIdentity.token;
  const guest = await fetch(`${base}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  if (!guest.ok)
    throw new Error(`sign-in: ${res.status}, guest ${guest.status}`);
  return (await guest.json()).backstageIdentity.token;
}
