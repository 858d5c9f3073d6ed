// Load (issue 16): the main read paths — catalog list, service page APIs,
// deployment timeline, logs search, cost card — with 50 concurrent users
// for 60 s (LOAD_SECONDS, LOAD_CONNECTIONS), against 1 and then 2 backend
// replicas on PostgreSQL behind the same round-robin proxy (so both runs
// pay the same extra hop). Reports throughput, p50/p95/p99, errors, and
// the backends' RSS and CPU. Needs PostgreSQL (PORTOLAN_POSTGRES_URL or
// BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  dropDatabases,
  sandboxToken,
  startReplicaPortal,
} from '../bin/lib/replicas-cluster.mjs';
import { percentile, table, writeResult } from './lib.mjs';

const pgUrl =
  process.env.PORTOLAN_POSTGRES_URL ||
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
if (!pgUrl) {
  console.error('load: set PORTOLAN_POSTGRES_URL (PostgreSQL is needed)');
  process.exit(2);
}
const seconds = Number(process.env.LOAD_SECONDS || 60);
const connections = Number(process.env.LOAD_CONNECTIONS || 50);
const replicaCounts = (process.env.LOAD_REPLICAS || '1,2')
  .split(',')
  .map(Number);
const sleep = ms => new Promise(r => setTimeout(r, ms));
const service = 'checkout-service';

/** utime + stime of a process, in seconds (Linux /proc). */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .split(') ')[1]
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
function rssMb(pid) {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    )?.[1];
    return Math.round(Number(kb) / 1024);
  } catch {
    return 0;
  }
}

async function waitForData(base, token) {
  const headers = { authorization: `Bearer ${token}` };
  for (let i = 0; i < 240; i++) {
    const [catalog, deployments] = await Promise.all([
      fetch(
        `${base}/api/catalog/entities/by-query?filter=kind=component&limit=1`,
        { headers },
      ).then(r => (r.ok ? r.json() : {})),
      fetch(
        `${base}/api/delivery/entities/component/default/${service}/deployments?limit=1`,
        { headers },
      ).then(r => (r.ok ? r.json() : {})),
    ]).catch(() => [{}, {}]);
    if (catalog.items?.length && deployments.items?.length) return;
    await sleep(1000);
  }
  throw new Error('catalog or deployments did not fill in 4 minutes');
}

async function run(replicas) {
  const prefix = `bench_load_${replicas}_${Date.now().toString(36)}_`;
  const portal = await startReplicaPortal({
    replicas,
    port: 7447,
    sandboxBasePort: 7580,
    dataDir: mkdtempSync(join(tmpdir(), `production-load-${replicas}-`)),
    pgUrl,
    prefix,
  });
  try {
    const token = await sandboxToken(portal.base, 'margaret.hamilton');
    await waitForData(portal.base, token);
    const to = new Date();
    const from = new Date(to.getTime() - 86_400_000);
    const paths = [
      '/api/catalog/entities/by-query?filter=kind=component&limit=20',
      `/api/catalog/entities/by-name/component/default/${service}`,
      `/api/delivery/entities/component/default/${service}/deployments?limit=50`,
      `/api/delivery/entities/component/default/${service}/dora?weeks=12`,
      `/api/logs/entities/component/default/${service}/search?from=${from.toISOString()}&to=${to.toISOString()}&q=timeout`,
      `/api/finops/entities/component/default/${service}/costs`,
    ];
    // Warm-up: every path once, and it must answer 200.
    const warm = {};
    for (const path of paths) {
      const res = await fetch(`${portal.base}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      warm[path.split('?')[0]] = res.status;
    }
    const pids = [
      ...portal.state().replicas.map(r => r.pid),
      portal.state().proxy.pid,
    ];
    const cpu0 = pids.map(cpuSeconds);
    const rssMax = pids.map(() => 0);
    const sampler = setInterval(() => {
      pids.forEach((pid, i) => {
        rssMax[i] = Math.max(rssMax[i], rssMb(pid));
      });
    }, 1000);
    const latencies = [];
    const statuses = {};
    const t0 = Date.now();
    const instance = autocannon({
      url: portal.base,
      connections,
      duration: seconds,
      timeout: 10,
      headers: { authorization: `Bearer ${token}` },
      requests: paths.map(path => ({ method: 'GET', path })),
    });
    instance.on('response', (_client, status, _bytes, ms) => {
      latencies.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
    // One more user, outside autocannon, timing each request itself: what
    // a person browsing during the load sees.
    const probe = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        for (const path of paths) {
          const start = performance.now();
          const res = await fetch(`${portal.base}${path}`, {
            headers: { authorization: `Bearer ${token}` },
          }).catch(() => undefined);
          await res?.arrayBuffer();
          if (probing) probe.push({ path, ms: performance.now() - start });
        }
      }
    })();
    const result = await instance;
    probing = false;
    await prober;
    clearInterval(sampler);
    const elapsed = (Date.now() - t0) / 1000;
    const cpu = pids.map((pid, i) => (cpuSeconds(pid) - cpu0[i]) / elapsed);
    return {
      replicas,
      connections,
      seconds,
      warmUp: warm,
      requests: latencies.length,
      throughput: Math.round((latencies.length / elapsed) * 10) / 10,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      autocannonLatency: {
        mean: result.latency.mean,
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
      },
      // Little's law: connections / throughput.
      meanFromThroughputMs: Math.round(
        (connections / (latencies.length / elapsed)) * 1000,
      ),
      probe: {
        requests: probe.length,
        p50: Math.round(
          percentile(
            probe.map(p => p.ms),
            50,
          ),
        ),
        p95: Math.round(
          percentile(
            probe.map(p => p.ms),
            95,
          ),
        ),
        p99: Math.round(
          percentile(
            probe.map(p => p.ms),
            99,
          ),
        ),
        medianByPath: Object.fromEntries(
          paths.map(path => [
            path.split('?')[0],
            Math.round(
              percentile(
                probe.filter(p => p.path === path).map(p => p.ms),
                50,
              ) ?? 0,
            ),
          ]),
        ),
      },
      statuses,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      backendRssMaxMb: rssMax.slice(0, -1),
      backendCpuCores: cpu.slice(0, -1).map(c => Math.round(c * 100) / 100),
      proxyCpuCores: Math.round(cpu.at(-1) * 100) / 100,
      machineLoad: readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
    };
  } finally {
    portal.stop();
    await sleep(3000);
    await dropDatabases(pgUrl, prefix).catch(e =>
      console.error(`could not drop ${prefix}*: ${e.message}`),
    );
  }
}

const runs = [];
for (const n of replicaCounts) {
  console.log(
    `\n${n} replica(s): ${connections} users for ${seconds} s (starting...)`,
  );
  const r = await run(n);
  runs.push(r);
  table([
    ['warm-up statuses', JSON.stringify(r.warmUp)],
    ['requests', `${r.requests} (${r.throughput} req/s)`],
    [
      'latency p50 / p95 / p99 (autocannon)',
      `${Math.round(r.p50)} / ${Math.round(r.p95)} / ${Math.round(
        r.p99,
      )} ms (mean by Little's law ${r.meanFromThroughputMs} ms)`,
    ],
    [
      'one more user timing itself',
      `p50 / p95 / p99 ${r.probe.p50} / ${r.probe.p95} / ${r.probe.p99} ms (${r.probe.requests} requests)`,
    ],
    ['its median per path (ms)', JSON.stringify(r.probe.medianByPath)],
    [
      'errors',
      `${r.errors} errors, ${r.timeouts} timeouts, ${
        r.non2xx
      } non-2xx ${JSON.stringify(r.statuses)}`,
    ],
    [
      'backend RSS max / CPU',
      r.backendRssMaxMb
        .map((m, i) => `${m} MB / ${r.backendCpuCores[i]} cores`)
        .join('; '),
    ],
    ['proxy CPU', `${r.proxyCpuCores} cores; load average ${r.machineLoad}`],
  ]);
}
if (runs.length === 2) {
  console.log(
    `\n2 vs 1 replica: ${(runs[1].throughput / runs[0].throughput).toFixed(
      2,
    )}x throughput; p95 of a user meanwhile ${runs[0].probe.p95} -> ${
      runs[1].probe.p95
    } ms`,
  );
}
writeResult('load', { cores: (await import('node:os')).cpus().length, runs });
process.exit(0);
