// Deployment ingestion (issue 5): ~300 apps in 3 environments on 2 Argo CD
// instances, one cycle at most 10 s, at most one Argo CD call per app plus
// one per new revision. Run: node bench/run.mjs delivery-ingestion
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ArgoCdClient } from '@portolan/argocd-node';
import { startSandbox } from '@portolan/sandbox';
import knexFactory from 'knex';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeploymentStore } from '../src/database/DeploymentStore';
import { RolloutsClient } from '../src/clients/RolloutsClient';
import { DeploymentIngester } from '../src/services/DeploymentIngester';

function caData(info: object): string | undefined {
  const ca = (info as { ca?: string }).ca;
  return ca ? Buffer.from(ca).toString('base64') : undefined;
}

async function main() {
  const sandbox = await startSandbox({
    catalogDir: path.resolve(__dirname, '../../../catalog'),
    basePort: 0,
    extraServices: 89,
    historyLimit: 10, // Argo CD's default
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portolan-ingest-bench-'));
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: path.join(dir, 'db.sqlite') },
    useNullAsDefault: true,
  });
  try {
    const store = await DeploymentStore.create({
      database: { getClient: async () => knex, migrations: { skip: false } },
    });
    const services = [...new Set(sandbox.world.apps.map(a => a.service))];
    const clients = sandbox.info.argocd.map(
      a => new ArgoCdClient(a, { timeoutMs: 10_000 }),
    );
    // Canary outcomes: one Rollouts list per cluster per cycle.
    const rollouts = sandbox.info.kubernetes.map(
      k =>
        new RolloutsClient(
          // The sandbox CA (its Kubernetes stand-ins serve TLS).
          { ...k, skipTLSVerify: false, caData: caData(sandbox.info) },
          10_000,
        ),
    );
    const ingester = DeploymentIngester.create({
      clients,
      rollouts,
      store,
      catalog: catalogServiceMock({
        entities: [
          ...services.map(name => ({
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name,
              namespace: 'default',
              annotations: {
                'argocd/app-selector': `backstage.io/kubernetes-id=${name}`,
                'backstage.io/kubernetes-id': name,
              },
            },
            spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
          })),
          // The clusters' Resources: where environments come from.
          ...sandbox.info.kubernetes.map(k => ({
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Resource',
            metadata: {
              name: k.name,
              namespace: 'default',
              annotations: { 'portolan.dev/environment': k.environment },
            },
            spec: { type: 'kubernetes-cluster', owner: 'team-platform' },
          })),
        ],
      }),
      auth: mockServices.auth(),
      logger: {
        info() {},
        warn() {},
        error() {},
        debug() {},
        child() {
          return this;
        },
      } as any,
      clusterByServer: new Map(
        sandbox.info.kubernetes.map(k => [k.url, k.name]),
      ),
    });
    const calls = () =>
      clients.reduce(
        (n, c) =>
          n + c.calls.list + c.calls.metadata + c.calls.get + c.calls.session,
        0,
      );
    const cycles: Array<{
      ms: number;
      calls: number;
      rows: number;
      newRows: number;
      metadataCalls: number;
      rolloutLists: number;
    }> = [];
    for (let i = 0; i < 3; i++) {
      if (i === 2) {
        // A busy minute: 30 apps deployed since the last cycle.
        for (const app of sandbox.world.apps.slice(0, 30)) {
          const d = sandbox.world.startDeploy(app, sandbox.clock.now());
          sandbox.world.finishDeploy(d, 'succeeded', sandbox.clock.now());
        }
      }
      const before = calls();
      const t = performance.now();
      const summary = await ingester.run();
      cycles.push({
        ms: performance.now() - t,
        calls: calls() - before,
        rows: summary.instances.reduce((n, s) => n + (s.deployments ?? 0), 0),
        newRows: summary.instances.reduce((n, s) => n + s.newDeployments, 0),
        rolloutLists: summary.clusters.filter(c => c.ok).length,
        metadataCalls: summary.instances.reduce(
          (n, s) => n + (s.metadataCalls ?? 0),
          0,
        ),
      });
    }
    const revisions = new Set(
      sandbox.world.apps.flatMap(a =>
        a.deploys.slice(-10).map(d => `${a.name}@${d.revision}`),
      ),
    ).size;
    console.log(
      JSON.stringify({
        apps: sandbox.world.apps.length,
        instances: clients.length,
        services: services.length,
        distinctRevisionsVisible: revisions,
        cycles,
      }),
    );
  } finally {
    await knex.destroy();
    await sandbox.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
