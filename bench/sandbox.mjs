// Sandbox numbers (issue 3): ready time and RSS with the demo catalog, and
// p95 of an Argo CD list of ≥300 apps and a Kubernetes list of ≥1,000 pods.
//   node bench/sandbox.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { percentile, repoRoot, rssMb, table, writeResult } from './lib.mjs';

const BASE_PORT = 17100;

async function startSandbox(extraServices, historyLimit = 200) {
  const dataDir = mkdtempSync(join(tmpdir(), 'portolan-sandbox-bench-'));
  const t0 = Date.now();
  const child = spawn(
    process.execPath,
    [
      '--require',
      '@backstage/cli-node/config/nodeTransform.cjs',
      'packages/sandbox/src/index.ts',
      '--catalog',
      'catalog',
      '--data-dir',
      dataDir,
      '--base-port',
      String(BASE_PORT),
      '--extra-services',
      String(extraServices),
      '--history-limit',
      String(historyLimit),
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  await new Promise((resolve, reject) => {
    child.stdout.on('data', d => {
      out += d;
      if (out.includes('sandbox ready')) resolve();
    });
    child.on('exit', code =>
      reject(new Error(`sandbox exited ${code}: ${out}`)),
    );
  });
  const processReadyMs = Date.now() - t0;
  const internalReadyMs = Number(/sandbox ready in (\d+) ms/.exec(out)[1]);
  return { child, dataDir, processReadyMs, internalReadyMs };
}

async function stop(s) {
  s.child.kill('SIGTERM');
  await new Promise(r => s.child.once('exit', r));
  rmSync(s.dataDir, { recursive: true, force: true });
}

async function timeRequests(url, headers, n, check) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers });
    // Time to the whole body; parsing is the client's cost, not the server's.
    const raw = await res.arrayBuffer();
    times.push(performance.now() - t);
    if (i === 0) check(JSON.parse(Buffer.from(raw).toString()), raw.byteLength);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), n };
}

// 1) The demo catalog: ready time and RSS.
const demo = await startSandbox(0);
await new Promise(r => setTimeout(r, 1000));
const demoRss = rssMb(demo.child.pid);
await stop(demo);

// 2) Scaled: 200 services → ≥300 apps on one Argo CD, 1,000 pods on prod-eu.
// Argo CD's own default revisionHistoryLimit (10), then the sandbox's 200.
const scaled = [];
for (const historyLimit of [10, 200]) {
  const big = await startSandbox(187, historyLimit);
  const session = await fetch(
    `http://127.0.0.1:${BASE_PORT + 1}/api/v1/session`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'portolan-sandbox' }),
    },
  ).then(r => r.json());
  let apps = 0;
  let bytes = 0;
  const argo = await timeRequests(
    `http://127.0.0.1:${BASE_PORT + 1}/api/v1/applications`,
    { Authorization: `Bearer ${session.token}` },
    200,
    (body, size) => {
      apps = body.items.length;
      bytes = size;
    },
  );
  let pods = 0;
  // The Kubernetes stand-ins serve TLS only, with a CA made at sandbox start
  // (sandbox.json): this process trusts it, as a kubeconfig's
  // certificate-authority-data would, and the timing includes TLS.
  const info = JSON.parse(
    readFileSync(join(big.dataDir, 'sandbox.json'), 'utf8'),
  );
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), info.ca]);
  const prodEu = info.kubernetes.find(k => k.name === 'prod-eu');
  const kube = await timeRequests(
    `${prodEu.url}/api/v1/pods`,
    { Authorization: `Bearer ${prodEu.token}` },
    200,
    body => (pods = body.items.length),
  );
  const bigRss = rssMb(big.child.pid);
  await stop(big);
  scaled.push({
    historyLimit,
    argocdApps: apps,
    argocdListBytes: bytes,
    argocdList: argo,
    pods,
    podList: kube,
    rssMb: bigRss,
  });
}

const result = {
  demo: {
    processReadyMs: demo.processReadyMs,
    internalReadyMs: demo.internalReadyMs,
    rssMb: demoRss,
  },
  scaled,
};
table([
  [
    'ready, demo catalog (process start → ready)',
    `${demo.processReadyMs} ms (budget 3000)`,
  ],
  ['  of which world + servers', `${demo.internalReadyMs} ms`],
  ['RSS, demo catalog', `${demoRss} MB (budget 300)`],
  ...scaled.flatMap(s => [
    [
      `Argo CD list of ${s.argocdApps} apps, history ${s.historyLimit} (${(
        s.argocdListBytes / 1e6
      ).toFixed(1)} MB), p50 / p95`,
      `${s.argocdList.p50.toFixed(1)} / ${s.argocdList.p95.toFixed(
        1,
      )} ms (budget p95 50)`,
    ],
    [
      `Kubernetes list of ${s.pods} pods, p50 / p95`,
      `${s.podList.p50.toFixed(1)} / ${s.podList.p95.toFixed(
        1,
      )} ms (budget p95 50)`,
    ],
    [`RSS, scaled (history ${s.historyLimit})`, `${s.rssMb} MB`],
  ]),
]);
writeResult('sandbox', result);
