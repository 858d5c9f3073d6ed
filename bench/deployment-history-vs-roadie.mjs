// Deployment history (issue 5), side by side on the same sandbox and the
// same service: Portolan's timeline API (served from its own tables) versus
// what @roadiehq/backstage-plugin-argo-cd's history card does through
// @roadiehq/backstage-plugin-argo-cd-backend (find the apps, then revision
// metadata per history row). Upstream calls are counted by the sandbox's
// Argo CD stand-ins; times are wall-clock until the history can be shown.
//   node bench/deployment-history-vs-roadie.mjs [service=checkout-service] [rounds=5]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { percentile, startPortal, table, writeResult } from './lib.mjs';

const service = process.argv[2] ?? 'checkout-service';
const rounds = Number(process.argv[3] ?? 5);
const port = 7047;
const { base, dataDir, stop } = await startPortal({
  port,
  sandboxBasePort: 17400,
  name: 'roadie',
});
const login = await fetch(`${base}/api/auth/guest/refresh`, {
  headers: { 'X-Requested-With': 'XMLHttpRequest' },
});
const headers = {
  Authorization: `Bearer ${(await login.json()).backstageIdentity.token}`,
};
const sandbox = JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8'));
const counters = async () => {
  const all = await Promise.all(
    sandbox.argocd.map(a =>
      fetch(`${a.url}/_sandbox/requests`).then(r => r.json()),
    ),
  );
  return all.reduce(
    (sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0),
    0,
  );
};
const get = async path => {
  const res = await fetch(`${base}${path}`, { headers });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
};

// Wait until ingestion has the service's history.
const entityPath = `/api/delivery/entities/component/default/${service}/deployments`;
for (let i = 0; ; i++) {
  const page = await get(`${entityPath}?limit=50`).catch(() => ({ items: [] }));
  if (page.items.length >= 20) break;
  if (i > 300) throw new Error('no deployments ingested');
  await new Promise(r => setTimeout(r, 1000));
}

// Let start-up work (first catalog processing pass) settle.
await new Promise(r =>
  setTimeout(r, Number(process.env.BENCH_SETTLE_MS ?? 20000)),
);

const selector = encodeURIComponent(`backstage.io/kubernetes-id=${service}`);
const ours = [];
const roadie = [];
let oursCalls = Infinity;
let roadieCalls = Infinity;
let roadieRows = 0;
let oursRows = 0;
for (let round = 0; round < rounds; round++) {
  let before = await counters();
  let t = performance.now();
  const page = await get(`${entityPath}?limit=50`);
  ours.push(performance.now() - t);
  oursRows = page.items.length;
  oursCalls = Math.min(oursCalls, (await counters()) - before);

  before = await counters();
  t = performance.now();
  // Roadie's card: the apps (with their history) across instances ...
  const found = await get(`/api/argocd/find/selector/${selector}`);
  const apps = await Promise.all(
    found.flatMap(f => f.appName ?? []).length
      ? found.map(f =>
          get(
            `/api/argocd/argoInstance/${f.name}/applications/selector/${selector}`,
          ),
        )
      : [],
  );
  const rows = apps
    .flatMap(list => list.items ?? [])
    .flatMap(app =>
      (app.status?.history ?? []).map(h => ({
        app: app.metadata.name,
        instance: app.metadata.instance?.name,
        revision: h.revision,
      })),
    );
  // ... then revision metadata for every row, all at once, as the card does.
  const instanceOf = new Map(
    found.flatMap(f => (f.appName ?? []).map(n => [n, f.name])),
  );
  await Promise.all(
    rows.map(r =>
      get(
        `/api/argocd/argoInstance/${
          r.instance ?? instanceOf.get(r.app)
        }/applications/name/${encodeURIComponent(r.app)}/revisions/${
          r.revision
        }/metadata`,
      ),
    ),
  );
  roadie.push(performance.now() - t);
  roadieRows = rows.length;
  roadieCalls = Math.min(roadieCalls, (await counters()) - before);
}
table([
  [
    `Portolan timeline API (${service}, first page)`,
    `${oursRows} rows, ${oursCalls} Argo CD calls, median ${percentile(
      ours,
      50,
    ).toFixed(0)} ms, p95 ${percentile(ours, 95).toFixed(0)} ms`,
  ],
  [
    `Roadie backend (${service}, history card)`,
    `${roadieRows} rows, ${roadieCalls} Argo CD calls, median ${percentile(
      roadie,
      50,
    ).toFixed(0)} ms, p95 ${percentile(roadie, 95).toFixed(0)} ms`,
  ],
]);
writeResult('deployment-history-vs-roadie', {
  service,
  rounds,
  ours: { rows: oursRows, calls: oursCalls, ms: ours },
  roadie: { rows: roadieRows, calls: roadieCalls, ms: roadie },
});
stop();
process.exit(0);
