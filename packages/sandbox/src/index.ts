import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ArgoCdStandIn } from './argocd/ArgoCdStandIn';
import { GitStandIn, SANDBOX_GIT_OWNER } from './git/GitStandIn';
import { serviceRepositories } from './git/serviceRepositories';
import { OpenCostStandIn } from './opencost/OpenCostStandIn';
import {
  ElasticsearchSandboxInfo,
  ElasticsearchStandIn,
  startElasticsearchStandIn,
} from './elasticsearch';
import { close, listen } from './http';
import { createSandboxCertificates } from './kubernetes/certificates';
import { sandboxKubeconfig } from './kubernetes/kubeconfig';
import { KubernetesStandIn } from './kubernetes/KubernetesStandIn';
import { OpenAiStandIn, SANDBOX_OPENAI_API_KEY } from './openai';
import { readCatalog } from './world/catalog';
import { Clock, ManualClock, realClock } from './world/clock';
import { World } from './world/World';

export { ManualClock, realClock, World };
export { OpenAiStandIn, SANDBOX_OPENAI_API_KEY } from './openai';
export type { Clock };

/** Fixed, documented sandbox-only credentials. */
export const SANDBOX_ARGOCD_USER = 'admin';
export const SANDBOX_ARGOCD_PASSWORD = 'portolan-sandbox';
export const SANDBOX_GIT_USER = 'portolan';
export const SANDBOX_GIT_PASSWORD = 'portolan-sandbox';

export interface SandboxOptions {
  catalogDir: string;
  /** Writes <dataDir>/sandbox.json (and a kubeconfig for its clusters) when given. */
  dataDir?: string;
  /** 7100 by default; 0 puts every stand-in on a free port (tests). */
  basePort?: number;
  host?: string;
  seed?: number;
  clock?: Clock;
  /** Moves on timers: new deploys every few minutes. */
  realtime?: boolean;
  /** spec.revisionHistoryLimit of the seeded Argo CD apps; unset: Argo CD's default, 10. */
  historyLimit?: number;
  extraServices?: number;
  gitDir?: string;
  /** Days of logs the Elasticsearch stand-in holds before start (default 7). */
  logDays?: number;
}

export interface SandboxInfo {
  argocd: Array<{
    name: string;
    url: string;
    username: string;
    password: string;
    token: string;
  }>;
  /** Kubernetes API servers: https URLs whose certificates `ca` signed. */
  kubernetes: Array<{
    name: string;
    url: string;
    token: string;
    environment: string;
  }>;
  /**
   * PEM of the CA made at sandbox start that signed the Kubernetes stand-ins'
   * serving certificates. Clients trust it (kubeconfig
   * `certificate-authority-data` / Backstage `caData` is its base64).
   */
  ca: string;
  git: {
    url: string;
    username: string;
    password: string;
    /** The same repositories through a Gitea-compatible API (Backstage's Gitea integration reads it). */
    gitea?: { url: string; owner: string };
    /** Milliseconds spent creating the seeded services' repositories at start. */
    seedMs?: number;
    seeded?: number;
  };
  /** OpenCost per cluster (plain HTTP, no auth, like an in-cluster OpenCost service); scale-outs the cost data shows. */
  opencost?: {
    clusters: Array<{ name: string; url: string; environment: string }>;
    scaleOuts: Array<{
      app: string;
      service: string;
      environment: string;
      revision: string;
      at: string;
      from: number;
      to: number;
    }>;
  };
  /** The Elasticsearch stand-in holding every service's logs (plain HTTP on loopback; basic auth or API key). */
  elasticsearch?: ElasticsearchSandboxInfo;
  /** The deterministic OpenAI-compatible stand-in (a stand-in, never a model). */
  openai?: { baseURL: string; apiKey: string; model: string };
  startedAt: string;
  seed: number;
}

export interface RunningSandbox {
  info: SandboxInfo;
  world: World;
  clock: Clock;
  kubernetes: Map<string, KubernetesStandIn>;
  argocd: Map<string, ArgoCdStandIn>;
  opencost: Map<string, OpenCostStandIn>;
  elasticsearch: ElasticsearchStandIn;
  /** The Git stand-in (its Gitea API counts the requests it serves). */
  git: GitStandIn;
  /** Runs world motion up to the clock's now (tests call it after advancing). */
  tick(): void;
  stop(): Promise<void>;
}

// Fixed default ports, so config can name them without reading sandbox.json.
const ARGOCD_PORTS: Record<string, number> = {
  'argocd-nonprod': 1,
  'argocd-prod': 2,
};
const KUBERNETES_PORTS: Record<string, number> = {
  dev: 11,
  staging: 12,
  'prod-eu': 13,
};
const GIT_PORT = 20;
// 24: no other stand-in of a sandbox whose base port is a multiple of 20 away uses it.
const GITEA_PORT = 24;
/** OpenCost per cluster: dev 7141, staging 7142, prod-eu 7143. */
const OPENCOST_PORTS: Record<string, number> = {
  dev: 41,
  staging: 42,
  'prod-eu': 43,
};

export async function startSandbox(
  options: SandboxOptions,
): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const basePort = options.basePort ?? 7100;
  const seed = options.seed ?? 42;
  const clock = options.clock ?? realClock;
  const port = (offset: number | undefined, index: number) =>
    basePort === 0 ? 0 : basePort + (offset ?? 30 + index);
  const catalog = readCatalog(options.catalogDir);
  const world = new World(catalog, seed, clock.now(), {
    extraServices: options.extraServices,
  });
  const servers: http.Server[] = [];

  // Like every real API server, the Kubernetes stand-ins serve TLS only:
  // standard clients (kubectl) send no bearer token over plain HTTP.
  const certificates = await createSandboxCertificates([host]);
  const tls = { key: certificates.keyPem, cert: certificates.certPem };
  const kubernetes = new Map<string, KubernetesStandIn>();
  const kubeInfo: SandboxInfo['kubernetes'] = [];
  for (const [i, cluster] of catalog.clusters.entries()) {
    const standIn = new KubernetesStandIn(
      cluster.name,
      `sandbox-token-${cluster.name}`,
      world,
      clock,
    );
    const { server, url } = await listen(
      standIn.router(),
      host,
      port(KUBERNETES_PORTS[cluster.name], 10 + i),
      tls,
    );
    servers.push(server);
    kubernetes.set(cluster.name, standIn);
    kubeInfo.push({
      name: cluster.name,
      url,
      token: standIn.token,
      environment: cluster.environment,
    });
  }
  const clusterUrl = (name: string) =>
    kubeInfo.find(k => k.name === name)?.url ?? `https://${name}.invalid`;

  const argocd = new Map<string, ArgoCdStandIn>();
  const argoInfo: SandboxInfo['argocd'] = [];
  for (const [i, name] of world.instances().entries()) {
    const standIn = new ArgoCdStandIn({
      name,
      world,
      clock,
      username: SANDBOX_ARGOCD_USER,
      password: SANDBOX_ARGOCD_PASSWORD,
      historyLimit: options.historyLimit,
      clusterUrl,
    });
    const { server, url } = await listen(
      standIn.router(),
      host,
      port(ARGOCD_PORTS[name], i),
    );
    servers.push(server);
    argocd.set(name, standIn);
    argoInfo.push({
      name,
      url,
      username: SANDBOX_ARGOCD_USER,
      password: SANDBOX_ARGOCD_PASSWORD,
      token: standIn.token,
    });
  }

  const gitDir =
    options.gitDir ??
    (options.dataDir
      ? path.join(options.dataDir, 'git')
      : fs.mkdtempSync(path.join(os.tmpdir(), 'portolan-git-')));
  const git = new GitStandIn(gitDir, SANDBOX_GIT_USER, SANDBOX_GIT_PASSWORD);
  const gitServer = await listen(
    git.router(),
    host,
    basePort === 0 ? 0 : basePort + GIT_PORT,
  );
  servers.push(gitServer.server);
  const seedStarted = performance.now();
  const seeded = await git.seed(serviceRepositories(catalog.services));
  const seedMs = Math.round(performance.now() - seedStarted);
  const giteaServer = await listen(
    git.giteaRouter(),
    host,
    basePort === 0 ? 0 : basePort + GITEA_PORT,
  );
  servers.push(giteaServer.server);

  const opencost = new Map<string, OpenCostStandIn>();
  const opencostInfo: NonNullable<SandboxInfo['opencost']> = {
    clusters: [],
    scaleOuts: [],
  };
  for (const [i, cluster] of catalog.clusters.entries()) {
    const standIn = new OpenCostStandIn(
      cluster.name,
      cluster.environment,
      world,
      clock,
    );
    const { server, url } = await listen(
      standIn.router(),
      host,
      port(OPENCOST_PORTS[cluster.name], 45 + i),
    );
    servers.push(server);
    opencost.set(cluster.name, standIn);
    opencostInfo.clusters.push({
      name: cluster.name,
      url,
      environment: cluster.environment,
    });
  }
  for (const app of world.apps) {
    for (const c of app.replicaChanges ?? []) {
      opencostInfo.scaleOuts.push({
        app: app.name,
        service: app.service,
        environment: app.environment,
        revision: c.revision,
        at: new Date(c.at).toISOString(),
        from: c.from,
        to: c.to,
      });
    }
  }

  const es = await startElasticsearchStandIn({
    world,
    clock,
    seed,
    host,
    port: port(50, 50),
    realtime: options.realtime,
    days: options.logDays,
  });
  servers.push(es.server);

  const openaiStandIn = new OpenAiStandIn(SANDBOX_OPENAI_API_KEY, clock);
  const openaiServer = await listen(openaiStandIn.router(), host, port(60, 60));
  servers.push(openaiServer.server);

  const info: SandboxInfo = {
    openai: {
      baseURL: `${openaiServer.url}/v1`,
      apiKey: SANDBOX_OPENAI_API_KEY,
      model: 'portolan-sandbox',
    },
    opencost: opencostInfo,
    elasticsearch: es.info,
    argocd: argoInfo,
    kubernetes: kubeInfo,
    git: {
      url: gitServer.url,
      username: SANDBOX_GIT_USER,
      password: SANDBOX_GIT_PASSWORD,
      gitea: { url: giteaServer.url, owner: SANDBOX_GIT_OWNER },
      seedMs,
      seeded,
    },
    ca: certificates.caPem,
    startedAt: new Date(clock.now()).toISOString(),
    seed,
  };
  if (options.dataDir) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    const file = path.join(options.dataDir, 'sandbox.json');
    // Standard tooling (kubectl) works against the clusters with this file.
    fs.writeFileSync(
      path.join(options.dataDir, 'kubeconfig'),
      sandboxKubeconfig(kubeInfo, certificates.caPem),
      { mode: 0o600 },
    );
    fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
    fs.renameSync(`${file}.tmp`, file);
  }

  let lastMotion = clock.now();
  const tick = () => {
    const now = clock.now();
    world.motion(now, lastMotion);
    for (const k of kubernetes.values()) k.sync(now);
    if (now - lastMotion >= 180_000) lastMotion = now;
    // Non-canary deploys finish after a minute.
    for (const app of world.apps) {
      const d = world.current(app);
      if (
        d?.result === 'in-progress' &&
        app.workload === 'Deployment' &&
        now - d.startedAt > 60_000
      ) {
        world.finishDeploy(d, 'succeeded', now);
      }
    }
  };
  const timer = options.realtime ? setInterval(tick, 5000) : undefined;
  timer?.unref();
  if (options.realtime) {
    // A controller watches and reacts within moments of a client's write,
    // on its own loop, never inside the request.
    for (const standIn of kubernetes.values()) {
      let pending: NodeJS.Timeout | undefined;
      standIn.onApiWrite(() => {
        pending ??= setTimeout(() => {
          pending = undefined;
          standIn.reconcile(clock.now());
        }, 200);
        pending.unref();
      });
    }
  }

  return {
    info,
    world,
    clock,
    kubernetes,
    argocd,
    opencost,
    elasticsearch: es.standIn,
    git,
    tick,
    async stop() {
      if (timer) clearInterval(timer);
      await Promise.all(servers.map(close));
      if (options.dataDir) {
        fs.rmSync(path.join(options.dataDir, 'sandbox.json'), { force: true });
        fs.rmSync(path.join(options.dataDir, 'kubeconfig'), { force: true });
      }
    },
  };
}

function argValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

async function main(args: string[]) {
  const started = Date.now();
  const num = (flag: string) => {
    const v = argValue(args, flag);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new Error(`${flag} needs a number, got '${v}'`);
    return Number(v);
  };
  const sandbox = await startSandbox({
    catalogDir: argValue(args, '--catalog') ?? path.resolve('catalog'),
    dataDir: argValue(args, '--data-dir'),
    basePort: num('--base-port'),
    seed: num('--seed'),
    extraServices: num('--extra-services'),
    historyLimit: num('--history-limit'),
    realtime: args.includes('--realtime'),
  });
  console.log(`sandbox ready in ${Date.now() - started} ms`);
  for (const a of sandbox.info.argocd)
    console.log(`  Argo CD ${a.name.padEnd(16)} ${a.url}`);
  for (const k of sandbox.info.kubernetes)
    console.log(`  Kubernetes ${k.name.padEnd(13)} ${k.url}`);
  console.log(`  Git                       ${sandbox.info.git.url}`);
  console.log(
    `  Git (Gitea API)           ${sandbox.info.git.gitea?.url} (${sandbox.info.git.seeded} repositories created in ${sandbox.info.git.seedMs} ms)`,
  );
  for (const o of sandbox.info.opencost?.clusters ?? [])
    console.log(`  OpenCost ${o.name.padEnd(15)} ${o.url}`);
  console.log(`  Elasticsearch             ${sandbox.info.elasticsearch?.url}`);
  console.log(`  OpenAI stand-in           ${sandbox.info.openai?.baseURL}`);
  if (sandbox.info.kubernetes.length && argValue(args, '--data-dir')) {
    const kubeconfig = path.join(argValue(args, '--data-dir')!, 'kubeconfig');
    console.log(
      `  kubectl: KUBECONFIG=${kubeconfig} kubectl --context ${sandbox.info.kubernetes[0].name} get pods -A`,
    );
  }
  const stop = () => sandbox.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch(error => {
    console.error(`sandbox: ${error.message}`);
    process.exit(1);
  });
}
