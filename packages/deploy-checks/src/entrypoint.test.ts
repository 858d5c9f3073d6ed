import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { knex, Knex } from 'knex';
import { findKubectl, renderKustomization, repoRoot } from './kustomize';

// The rendered production Deployment really runs: its container's command
// and args, in its working directory, with its environment (literal values,
// and test values for each Secret it reads) and its ConfigMap mounted where
// the Deployment mounts it, against PostgreSQL. Paths inside the image
// (/app) map to this checkout, which is what the image holds.
const pgUrl = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
const kubectl = findKubectl();
if (!pgUrl || !kubectl) {
  // eslint-disable-next-line no-console
  console.warn(
    `deploy-checks: the rendered Deployment is NOT started (${
      pgUrl ? 'kubectl' : 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING'
    } missing)`,
  );
}
const describeRunnable = pgUrl && kubectl ? describe : describe.skip;

/** The server's maintenance database (the URL may name none). */
function adminDb(): Knex {
  const url = new URL(pgUrl!);
  url.pathname = '/postgres';
  return knex({ client: 'pg', connection: url.toString() });
}

/** Names of the databases this run's prefix made. */
async function databasesWithPrefix(db: Knex, prefix: string) {
  const { rows } = await db.raw<{ rows: Array<{ datname: string }> }>(
    'select datname from pg_database where datname like ?',
    [`${prefix}%`],
  );
  return rows.map(r => r.datname);
}

/** A throwaway self-signed CA certificate (PEM), made by openssl. */
function testCaPem(): string {
  return execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      '/dev/null',
      '-subj',
      '/CN=portolan-deploy-check',
      '-days',
      '1',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        resolve(typeof address === 'object' && address ? address.port : 0),
      );
    });
  });
}

describeRunnable('the rendered production Deployment', () => {
  const prefix = `deploycheck_${randomBytes(4).toString('hex')}_`;
  const dir = mkdtempSync(join(tmpdir(), 'portolan-deploy-check-'));
  let backend: ChildProcess | undefined;
  let output = '';

  afterAll(async () => {
    if (backend && backend.exitCode === null) {
      const exited = new Promise(r => backend!.once('exit', r));
      backend.kill('SIGTERM');
      await Promise.race([exited, new Promise(r => setTimeout(r, 20_000))]);
      backend.kill('SIGKILL');
    }
    const db = adminDb();
    for (const datname of await databasesWithPrefix(db, prefix)) {
      await db.raw('drop database if exists ?? with (force)', [datname]);
    }
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('starts with its own command, environment and config, and gets ready', async () => {
    const objects = renderKustomization(
      kubectl!,
      join(repoRoot, 'deploy/overlays/production'),
    );
    const deployment = objects.find(o => o.kind === 'Deployment') as any;
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const toHost = (p: string) => p.replace(/^\/app(?=\/|$)/, repoRoot);

    // ConfigMap volumes, written where the container would see them.
    const mounts = new Map<string, string>();
    for (const mount of container.volumeMounts) {
      const volume = pod.volumes.find((v: any) => v.name === mount.name);
      if (!volume.configMap) continue;
      const configMap = objects.find(
        o =>
          o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name,
      ) as any;
      const local = join(dir, mount.name);
      mkdirSync(local);
      for (const [file, content] of Object.entries(configMap.data)) {
        writeFileSync(join(local, file), content as string);
      }
      mounts.set(mount.mountPath, local);
    }
    const mapPath = (arg: string) => {
      for (const [mountPath, local] of mounts) {
        if (arg.startsWith(`${mountPath}/`)) {
          return local + arg.slice(mountPath.length);
        }
      }
      return toHost(arg);
    };

    // What each Secret holds in a real install (README).
    const pg = new URL(pgUrl!);
    const secrets: Record<string, Record<string, string>> = {
      'portolan-backend': {
        BACKEND_SECRET: randomBytes(24).toString('hex'),
        LOGS_CURSOR_SECRET: randomBytes(24).toString('hex'),
      },
      'portolan-postgres': {
        POSTGRES_HOST: pg.hostname,
        POSTGRES_PORT: pg.port || '5432',
        POSTGRES_USER: decodeURIComponent(pg.username),
        POSTGRES_PASSWORD: decodeURIComponent(pg.password),
      },
      'portolan-auth': {
        AUTH_GITHUB_CLIENT_ID: 'deploy-check-client',
        AUTH_GITHUB_CLIENT_SECRET: 'deploy-check-secret',
        AUTH_GITHUB_ORGANIZATION: 'example-org',
      },
      'portolan-integrations': {
        GITHUB_TOKEN: 'deploy-check-github',
        ARGOCD_PROD_TOKEN: 'deploy-check-argocd',
        K8S_PROD_EU_TOKEN: 'deploy-check-kubernetes',
        // kubeconfig's certificate-authority-data: base64 of a PEM.
        K8S_PROD_EU_CA: Buffer.from(testCaPem()).toString('base64'),
        ELASTICSEARCH_API_KEY: 'deploy-check-elasticsearch',
        ASSISTANT_MODEL_API_KEY: 'deploy-check-model',
      },
    };
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
    };
    for (const { secretRef } of container.envFrom) {
      Object.assign(env, secrets[secretRef.name]);
    }
    for (const { name, value } of container.env) env[name] = value;

    // The one test-only layer: this run's port and database names, so it
    // runs beside other portals and tests.
    const port = await freePort();
    const testLayer = join(dir, 'app-config.test.yaml');
    writeFileSync(
      testLayer,
      JSON.stringify({
        backend: {
          listen: { port, host: '127.0.0.1' },
          database: { prefix },
        },
      }),
    );

    const [command, ...commandArgs] = container.command;
    backend = spawn(
      command === 'node' ? process.execPath : command,
      [
        ...commandArgs.map(mapPath),
        ...container.args.map(mapPath),
        '--config',
        testLayer,
      ],
      { cwd: toHost(container.workingDir), env, stdio: 'pipe' },
    );
    backend.stdout!.on('data', d => {
      output += d;
    });
    backend.stderr!.on('data', d => {
      output += d;
    });

    const base = `http://127.0.0.1:${port}`;
    const readinessPath = container.readinessProbe.httpGet.path;
    const deadline = Date.now() + 240_000;
    let ready = false;
    while (!ready && Date.now() < deadline && backend.exitCode === null) {
      ready = await fetch(`${base}${readinessPath}`)
        .then(r => r.ok)
        .catch(() => false);
      if (!ready) await new Promise(r => setTimeout(r, 1000));
    }
    expect({
      ready,
      exitCode: backend.exitCode,
      tail: ready ? '' : output.slice(-3000),
    }).toEqual({
      ready: true,
      exitCode: null,
      tail: '',
    });
    const liveness = await fetch(
      `${base}${container.livenessProbe.httpGet.path}`,
    );
    expect(liveness.status).toBe(200);
    // Production: no guest, every API route wants a token.
    const entities = await fetch(`${base}/api/catalog/entities?limit=1`);
    expect(entities.status).toBe(401);
    const guest = await fetch(`${base}/api/auth/guest/refresh`, {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    });
    expect(guest.ok).toBe(false);
    // On PostgreSQL: the plugins' databases exist under this run's prefix.
    const db = adminDb();
    const databases = await databasesWithPrefix(db, prefix);
    await db.destroy();
    expect(databases).toEqual(
      expect.arrayContaining([`${prefix}catalog`, `${prefix}auth`]),
    );
    // Secrets never reach the log.
    expect(output).not.toContain(secrets['portolan-backend'].BACKEND_SECRET);
    expect(output).not.toContain('deploy-check-secret');
  }, 300_000);
});
