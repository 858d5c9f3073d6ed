// Argo CD app index refresh (issue 4): ≥300 apps on 2 instances, timed,
// counting upstream calls. Run: node bench/run.mjs catalog-argocd
import { LoggerService } from '@backstage/backend-plugin-api';
import { CatalogProcessorEmit } from '@backstage/plugin-catalog-node';
import { ArgoCdClient } from '@portolan/argocd-node';
import { startSandbox } from '@portolan/sandbox';
import path from 'node:path';
import { ArgoCdAppIndex } from '../src/ArgoCdAppIndex';
import { ArgoCdDeploymentProcessor } from '../src/ArgoCdDeploymentProcessor';

const silentLogger: LoggerService = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
  child: () => silentLogger,
};

async function main() {
  const sandbox = await startSandbox({
    catalogDir: path.resolve(__dirname, '../../../catalog'),
    basePort: 0,
    extraServices: 90,
    historyLimit: 10,
  });
  try {
    const clients = sandbox.info.argocd.map(
      a => new ArgoCdClient(a, { timeoutMs: 10_000 }),
    );
    const index = new ArgoCdAppIndex(
      clients,
      new Map(sandbox.info.kubernetes.map(k => [k.url, k.name])),
      silentLogger,
    );
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await index.refresh();
      times.push(performance.now() - t);
    }
    const apps = index.instanceStates().reduce((n, s) => n + s.apps.length, 0);
    // Processing every service entity against the index: no upstream calls.
    const processor = new ArgoCdDeploymentProcessor(index);
    const services = [...new Set(sandbox.world.apps.map(a => a.service))];
    const t = performance.now();
    let relations = 0;
    const countRelations: CatalogProcessorEmit = r => {
      if (r.type === 'relation') relations++;
    };
    for (const name of services) {
      await processor.postProcessEntity(
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: {
            name,
            annotations: {
              'argocd/app-selector': `backstage.io/kubernetes-id=${name}`,
            },
          },
          spec: {},
        },
        { type: 'file', target: 'x' },
        countRelations,
      );
    }
    const processMs = performance.now() - t;
    const result = {
      apps,
      instances: clients.length,
      refreshMs: {
        first: times[0],
        median: [...times].sort((a, b) => a - b)[2],
      },
      listCallsPerRefresh:
        clients.reduce((n, c) => n + c.calls.list, 0) / times.length,
      otherCalls: clients.reduce(
        (n, c) => n + c.calls.get + c.calls.metadata,
        0,
      ),
      processedEntities: services.length,
      processAllMs: processMs,
      relations,
    };
    console.log(JSON.stringify(result));
  } finally {
    await sandbox.stop();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
