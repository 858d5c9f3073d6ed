// `bin/portal start --replicas N`: N backend processes on one PostgreSQL
// behind a small round-robin proxy on the portal's port, as a load
// balancer in front of a Kubernetes Deployment would run them.
//
// usage: replicas.mjs <replicas> <proxy port> <data dir> <heap MB> -- <config args...>
// env:   PORTOLAN_POSTGRES_URL     postgresql://user:password@host:port (required)
//        PORTOLAN_POSTGRES_PREFIX  database name prefix (default portolan_)
//        PORTOLAN_LISTEN_HOST      the proxy's address (default 127.0.0.1)
//
// Each replica listens on <proxy port> + 1 + i and logs to
// <data dir>/backend-<i>.log; <data dir>/replicas.json lists their pids
// and ports (the fault benchmarks kill one). The proxy sends requests only
// to replicas whose readiness check passed within the last second, and
// answers 503 when none is ready.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import httpProxy from 'http-proxy';

const [countArg, portArg, dataDirArg, heapArg, sep, ...configArgs] =
  process.argv.slice(2);
const count = Number(countArg);
const port = Number(portArg);
if (!Number.isInteger(count) || count < 1 || count > 16 || sep !== '--') {
  console.error(
    'usage: replicas.mjs <1-16 replicas> <port> <data dir> <heap MB> -- <config args>',
  );
  process.exit(2);
}
const pgUrl = process.env.PORTOLAN_POSTGRES_URL;
if (!pgUrl) {
  console.error(
    'replicas share one database: set PORTOLAN_POSTGRES_URL=postgresql://user:password@host:5432 (SQLite files cannot be shared)',
  );
  process.exit(2);
}
const pg = new URL(pgUrl);
const dataDir = resolve(dataDirArg);
const root = resolve(new URL('../..', import.meta.url).pathname);
const prefix = process.env.PORTOLAN_POSTGRES_PREFIX || 'portolan_';
if (!/^[a-z0-9_]+$/.test(prefix)) {
  console.error(
    `PORTOLAN_POSTGRES_PREFIX must match [a-z0-9_]+, got '${prefix}'`,
  );
  process.exit(2);
}

const cursorSecret = randomBytes(32).toString('hex');
const replicas = [];
function startReplica(i) {
  const replicaPort = port + 1 + i;
  const layer = join(dataDir, `app-config.replica-${i}.yaml`);
  // JSON is valid YAML. Same database for all: scheduler locks, sessions,
  // signing keys and scaffolder tasks live there.
  writeFileSync(
    layer,
    JSON.stringify({
      // Logs search cursors are signed: every replica needs the same key,
      // or "more" fails on the replica that did not sign the cursor.
      logs: { cursorSecret },
      backend: {
        listen: { port: replicaPort, host: '127.0.0.1' },
        database: {
          client: 'pg',
          prefix,
          connection: {
            host: pg.hostname,
            port: Number(pg.port || 5432),
            user: decodeURIComponent(pg.username),
            password: decodeURIComponent(pg.password),
          },
        },
      },
    }),
  );
  const log = createWriteStream(join(dataDir, `backend-${i}.log`), {
    flags: 'a',
  });
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${heapArg}`,
      '--require',
      '@backstage/cli-node/config/nodeTransform.cjs',
      'src/index.ts',
      ...configArgs,
      '--config',
      layer,
    ],
    {
      cwd: join(root, 'packages/backend'),
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // Each line stamped with when it was written (the backend's JSON log
  // lines carry no time): the benchmarks order ingestion runs by it.
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', line =>
      log.write(`${new Date().toISOString()} ${line}\n`),
    );
  }
  const replica = replicas[i] ?? { index: i, port: replicaPort };
  Object.assign(replica, { pid: child.pid, child, ready: false, checkedAt: 0 });
  replicas[i] = replica;
  child.on('exit', (code, signal) => {
    replica.ready = false;
    console.log(`replica ${i} (pid ${child.pid}) exited: ${signal ?? code}`);
    // Like a Deployment's restartPolicy: Always, with a growing back-off.
    if (!stopping) {
      replica.restarts = (replica.restarts ?? 0) + 1;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(replica.restarts, 5));
      console.log(
        `replica ${i}: restart ${replica.restarts} in ${delay / 1000} s`,
      );
      setTimeout(() => !stopping && startReplica(i), delay);
    }
  });
  writeState();
}

function writeState() {
  writeFileSync(
    join(dataDir, 'replicas.json'),
    `${JSON.stringify(
      {
        proxy: { pid: process.pid, port },
        replicas: replicas.map(r => ({
          index: r.index,
          pid: r.pid,
          port: r.port,
        })),
      },
      null,
      2,
    )}\n`,
  );
}

// Readiness of each replica, every second.
async function check(replica) {
  try {
    const res = await fetch(
      `http://127.0.0.1:${replica.port}/.backstage/health/v1/readiness`,
      { signal: AbortSignal.timeout(900) },
    );
    replica.ready = res.ok;
  } catch {
    replica.ready = false;
  }
  replica.checkedAt = Date.now();
}
setInterval(() => replicas.forEach(check), 1000).unref();

let next = 0;
function pick(exclude) {
  const ready = replicas.filter(r => r.ready && r !== exclude);
  if (!ready.length) return undefined;
  next = (next + 1) % ready.length;
  return ready[next];
}

const proxy = httpProxy.createProxyServer({
  xfwd: true,
  proxyTimeout: 120_000,
});
const server = createServer((req, res) => {
  const target = pick();
  if (!target) {
    res.writeHead(503, {
      'content-type': 'application/json',
      'retry-after': '1',
    });
    res.end(
      JSON.stringify({
        error: {
          name: 'ServiceUnavailable',
          message: 'no backend replica is ready',
        },
      }),
    );
    return;
  }
  res.setHeader('x-portolan-replica', String(target.index));
  proxy.web(req, res, { target: `http://127.0.0.1:${target.port}` }, error => {
    // The replica died under this request: mark it, answer 502 (a load
    // balancer does the same; idempotent retries are the client's call).
    target.ready = false;
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            name: 'BadGateway',
            message: `replica ${target.index}: ${error.code ?? error.message}`,
          },
        }),
      );
    } else {
      res.destroy();
    }
  });
});
server.on('upgrade', (req, socket, head) => {
  const target = pick();
  if (!target) return socket.destroy();
  proxy.ws(
    req,
    socket,
    head,
    { target: `http://127.0.0.1:${target.port}` },
    () => socket.destroy(),
  );
});

let stopping = false;
function stopAll() {
  stopping = true;
  for (const r of replicas) {
    try {
      r.child.kill('SIGTERM');
    } catch {
      // gone
    }
  }
}
// Stop like a Deployment: SIGTERM to every replica, then wait (at most
// 25 s) for them to drain and exit before the proxy goes.
async function shutDown(code) {
  stopAll();
  const running = replicas.filter(
    r => r.child.exitCode === null && !r.child.signalCode,
  );
  await Promise.race([
    Promise.all(running.map(r => new Promise(ok => r.child.once('exit', ok)))),
    new Promise(ok => setTimeout(ok, 25_000)),
  ]);
  process.exit(code);
}
process.on('SIGTERM', () => shutDown(0));
process.on('SIGINT', () => shutDown(130));
process.on('exit', stopAll);

// The first replica runs the database migrations alone; the others start
// once it is ready. (Started together on an empty database, Backstage's
// knex migrations race: "relation knex_migrations already exists", and the
// loser restarts, as a Kubernetes pod would.)
startReplica(0);
const staggered = setInterval(() => {
  if (!replicas[0].ready) return;
  clearInterval(staggered);
  for (let i = 1; i < count; i++) startReplica(i);
}, 500);
server.listen(port, process.env.PORTOLAN_LISTEN_HOST || '127.0.0.1', () =>
  console.log(
    `proxy on :${port} -> ${replicas.map(r => `:${r.port}`).join(' ')}`,
  ),
);
// Stop when every replica has stopped (bin/portal reports it).
setInterval(() => {
  const down = r => r.child.exitCode !== null || r.child.signalCode;
  if (
    replicas.length === count &&
    replicas.every(r => r.restarts > 5 && down(r))
  ) {
    console.error('every replica keeps failing: stopping');
    process.exit(1);
  }
}, 2000).unref();
