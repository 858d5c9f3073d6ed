// Log search (issue 12) through the backend over the sandbox's seeded week:
// p95 of a 7-day one-service text + level search with 10 concurrent users
// (budget 300 ms), backend overhead over the same query sent straight to
// Elasticsearch (budget 15 ms), page 50 vs page 1 (ratio budget 1.5), and
// Elasticsearch requests per results page counted at the stand-in (exactly 1).
// BENCH_PORTAL_URL + BENCH_DATA_DIR reuse a running portal; else one is started.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { percentile, startPortal, table, writeResult } from './lib.mjs';

let base = process.env.BENCH_PORTAL_URL;
let dataDir = process.env.BENCH_DATA_DIR;
let stop = () => {};
if (!base)
  ({ base, dataDir, stop } = await startPortal({
    port: 7407,
    sandboxBasePort: 7500,
    name: 'logs-search',
  }));
const sandbox = JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8'));
const es = sandbox.elasticsearch;
const esAuth = `Basic ${Buffer.from(`${es.username}:${es.password}`).toString(
  'base64',
)}`;
// An admin through sandbox sign-in (reads every service whatever logs.read's rule), else guest.
const signIn = await fetch(`${base}/api/auth/sandbox/refresh`, {
  headers: {
    'X-Requested-With': 'XMLHttpRequest',
    'x-portolan-sandbox-user': 'margaret.hamilton',
  },
});
const token = signIn.ok
  ? (await signIn.json()).backstageIdentity.token
  : (
      await (
        await fetch(`${base}/api/auth/guest/refresh`, {
          headers: { 'X-Requested-With': 'XMLHttpRequest' },
        })
      ).json()
    ).backstageIdentity.token;
const services = [
  'checkout-service',
  'cart-service',
  'web-shop',
  'search-service',
  'payment-gateway',
];
const to = new Date();
const from = new Date(to.getTime() - 7 * 86_400_000);
const words = ['timeout', 'connection', 'refused', 'pool', 'upstream'];
const searchUrl = (svc, extra = '') =>
  `${base}/api/logs/entities/component/default/${svc}/search?from=${from.toISOString()}&to=${to.toISOString()}&q=${
    words[svc.length % words.length]
  }&level=error&level=warn&size=100${extra}`;
const get = async url => {
  const t = performance.now();
  const res = await fetch(url, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const body = await res.json();
  if (!res.ok)
    throw new Error(`${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  return { ms: performance.now() - t, body };
};
/** The process listening on a TCP port (Linux /proc), to read its CPU time. */
function pidOnPort(port) {
  const inodes = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && parseInt(cols[1]?.split(':')[1], 16) === port)
        inodes.add(`socket:[${cols[9]}]`);
    }
  }
  for (const pid of readdirSync('/proc').filter(d => /^\d+$/.test(d))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`))
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return pid;
    } catch {
      // not ours, or gone
    }
  }
  return undefined;
}
/** CPU time (user + system) of a process so far, in ms. */
function cpuMs(pid) {
  if (!pid) return NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const cols = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 (1-based), in clock ticks of 10 ms.
  return (Number(cols[11]) + Number(cols[12])) * 10;
}
const backendPid = pidOnPort(Number(new URL(base).port));
const esPid = pidOnPort(Number(new URL(es.url).port));
const counts = async () => (await fetch(`${es.url}/_sandbox/requests`)).json();

// A portal started just now may not have its catalog yet: wait for it.
for (let attempt = 0; ; attempt++) {
  try {
    await get(searchUrl(services[0]));
    break;
  } catch (error) {
    if (attempt > 120) throw error;
    await new Promise(r => setTimeout(r, 1000));
  }
}
// Warm up (the stand-in writes its week on the first request; field caps get cached).
for (const svc of services) await get(searchUrl(svc));

// 1. p95, 10 concurrent users, 200 searches (and the CPU each process spent on them).
const latencies = [];
const cpu0 = { backend: cpuMs(backendPid), es: cpuMs(esPid) };
let next = 0;
await Promise.all(
  Array.from({ length: 10 }, async () => {
    while (next < 200) {
      const i = next++;
      latencies.push((await get(searchUrl(services[i % services.length]))).ms);
    }
  }),
);
const cpuPerSearch = {
  backend: (cpuMs(backendPid) - cpu0.backend) / 200,
  es: (cpuMs(esPid) - cpu0.es) / 200,
};

/** The query the backend sends for `searchUrl(svc)` (same filters, aggregations and size). */
const esBody = svc => ({
  query: {
    bool: {
      filter: [
        { term: { 'service.name': svc } },
        {
          range: {
            '@timestamp': { gte: from.toISOString(), lte: to.toISOString() },
          },
        },
        { terms: { 'log.level': ['error', 'warn'] } },
      ],
      must: [
        {
          match: {
            message: {
              query: words[svc.length % words.length],
              operator: 'and',
            },
          },
        },
      ],
    },
  },
  size: 100,
  sort: [{ '@timestamp': { order: 'desc' } }],
  track_total_hits: 100000,
  highlight: {
    pre_tags: ['\uE000'],
    post_tags: ['\uE001'],
    fields: { message: { number_of_fragments: 0 } },
  },
  aggs: {
    histogram: {
      date_histogram: {
        field: '@timestamp',
        fixed_interval: '3h',
        min_doc_count: 0,
        extended_bounds: { min: from.getTime(), max: to.getTime() },
      },
      aggs: { levels: { terms: { field: 'log.level', size: 8 } } },
    },
    environment: { terms: { field: 'service.environment', size: 20 } },
    level: { terms: { field: 'log.level', size: 10 } },
    pod: { terms: { field: 'kubernetes.pod.name', size: 50 } },
  },
});
const direct1 = async svc => {
  const t = performance.now();
  const res = await fetch(`${es.url}/logs-*/_search`, {
    method: 'POST',
    headers: { Authorization: esAuth, 'Content-Type': 'application/json' },
    body: JSON.stringify(esBody(svc)),
  });
  await res.json();
  return performance.now() - t;
};

// 2. Overhead: the same query straight to Elasticsearch (what the backend sends), sequential.
const direct = [];
const through = [];
for (let i = 0; i < 40; i++) {
  const svc = services[i % services.length];
  through.push((await get(searchUrl(svc))).ms);
  direct.push(await direct1(svc));
}

// 2a. CPU per search of each process: 3 rounds of 100 sequential searches, the
// lowest round (the backend's scheduled tasks and the stand-in's live lines
// also cost CPU now and then; the lowest round is the one they missed).
const cpuRounds = [];
for (let round = 0; round < 3; round++) {
  const b0 = cpuMs(backendPid);
  const e0 = cpuMs(esPid);
  for (let i = 0; i < 100; i++)
    await get(searchUrl(services[i % services.length]));
  cpuRounds.push({
    backend: (cpuMs(backendPid) - b0) / 100,
    es: (cpuMs(esPid) - e0) / 100,
  });
}
const cpuSequential = {
  backend: Math.min(...cpuRounds.map(r => r.backend)),
  es: Math.min(...cpuRounds.map(r => r.es)),
};

// 2b. The floor: the same 200 queries straight to Elasticsearch, 10 at a time.
const directConcurrent = [];
const esCpu0 = cpuMs(esPid);
next = 0;
await Promise.all(
  Array.from({ length: 10 }, async () => {
    while (next < 200) {
      const i = next++;
      directConcurrent.push(await direct1(services[i % services.length]));
    }
  }),
);
const esCpuDirect = (cpuMs(esPid) - esCpu0) / 200;

// 3. Page 50 vs page 1, and 4. requests per page at the stand-in.
const deepUrl = svc =>
  `${base}/api/logs/entities/component/default/${svc}/search?from=${from.toISOString()}&to=${to.toISOString()}&size=100`;
const page1 = [];
const page50 = [];
let searches = 0;
let pages = 0;
let pitOpens = 0;
for (const svc of services.slice(0, 3)) {
  const before = await counts();
  let res = await get(deepUrl(svc));
  page1.push(res.ms);
  pages++;
  for (let p = 2; p <= 50; p++) {
    res = await get(
      `${deepUrl(svc)}&cursor=${encodeURIComponent(res.body.nextCursor)}`,
    );
    pages++;
    if (p === 50) page50.push(res.ms);
  }
  const after = await counts();
  searches += after.search - before.search;
  pitOpens += after.openPointInTime - before.openPointInTime;
}
stop();

const median = v => percentile(v, 50);
const result = {
  p50Ms: median(latencies),
  p95Ms: percentile(latencies, 95),
  directP95Ms: percentile(directConcurrent, 95),
  backendCpuMsPerSearch: cpuPerSearch.backend,
  elasticsearchCpuMsPerSearch: cpuPerSearch.es,
  backendCpuMsPerSearchSequential: cpuSequential.backend,
  elasticsearchCpuMsPerSearchSequential: cpuSequential.es,
  elasticsearchCpuMsPerDirectQuery: esCpuDirect,
  overheadMs: median(through) - median(direct),
  throughMedianMs: median(through),
  directMedianMs: median(direct),
  page1Ms: median(page1),
  page50Ms: median(page50),
  page50Ratio: median(page50) / median(page1),
  searchesPerPage: searches / pages,
  pitOpensPerResultSet: pitOpens / 3,
  lines: Number(
    (
      await fetch(`${es.url}/_cat/indices?format=json`, {
        headers: { Authorization: esAuth },
      })
        .then(r => r.json())
        .catch(() => [])
    ).reduce?.((n, r) => n + Number(r['docs.count']), 0) ?? 0,
  ),
};
table([
  [
    '7-day text+level search, 10 users, 200 requests',
    `p50 ${result.p50Ms.toFixed(1)} ms, p95 ${result.p95Ms.toFixed(
      1,
    )} ms (budget 300)`,
  ],
  [
    'the same 200 queries straight to Elasticsearch, 10 at a time',
    `p95 ${result.directP95Ms.toFixed(1)} ms (the stand-in's own floor)`,
  ],
  [
    'CPU per search (the 200 above), backend / stand-in',
    `${result.backendCpuMsPerSearch.toFixed(
      1,
    )} / ${result.elasticsearchCpuMsPerSearch.toFixed(
      1,
    )} ms (stand-in straight: ${result.elasticsearchCpuMsPerDirectQuery.toFixed(
      1,
    )} ms per query)`,
  ],
  [
    'CPU per search, sequential (lowest of 3 x 100), backend / stand-in',
    `${result.backendCpuMsPerSearchSequential.toFixed(
      1,
    )} / ${result.elasticsearchCpuMsPerSearchSequential.toFixed(1)} ms`,
  ],
  [
    'backend overhead (median through − direct)',
    `${result.overheadMs.toFixed(
      1,
    )} ms (budget 15; ${result.throughMedianMs.toFixed(
      1,
    )} vs ${result.directMedianMs.toFixed(1)})`,
  ],
  [
    'page 50 / page 1',
    `${result.page50Ratio.toFixed(2)} (${result.page50Ms.toFixed(
      1,
    )} / ${result.page1Ms.toFixed(1)} ms; budget 1.5)`,
  ],
  [
    'Elasticsearch _search requests per page',
    `${result.searchesPerPage.toFixed(
      2,
    )} (${pitOpens} point-in-time opens for 3 result sets of 50 pages)`,
  ],
]);
writeResult('logs-search', result);
process.exit(0);
