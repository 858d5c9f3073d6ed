import { App, World } from '../world/World';
import { TIME } from './window';

const { HOUR, DAY } = TIME;
const GIB = 1024 ** 3;

/**
 * Prices per unit, OpenCost's defaults for clusters without a cloud price
 * list (its `default.json`: CPU per core-hour, RAM per GiB-hour, storage per
 * GiB-hour), network egress per GB and a load balancer per hour.
 */
export const PRICES = {
  cpuCoreHour: 0.031611,
  ramGiBHour: 0.004237,
  pvGiBHour: 0.00005479452,
  networkGB: 0.01,
  loadBalancerHour: 0.025,
};

/** One workload (a controller) in a cluster, with what drives its cost. */
export interface Workload {
  cluster: string;
  environment: string;
  namespace: string;
  /** Empty for bare pods (OpenCost reports them without a controller). */
  controller: string;
  controllerKind: string;
  labels: Record<string, string>;
  app?: App;
  createdAt: number;
  podCpu: number;
  podRamBytes: number;
  replicasAt(t: number): number;
  /** Share of the requests actually used on a weekday. */
  cpuUtilisation: number;
  ramUtilisation: number;
  /** Replicas at weekends relative to weekdays (autoscaling, schedules). */
  weekendReplicas: number;
  networkGBPerDay: number;
  loadBalancers: number;
  pvBytes: number;
}

/** What a workload used and cost over an interval: OpenCost's allocation figures. */
export interface Usage {
  minutes: number;
  cpuRequestCoreHours: number;
  cpuUsageCoreHours: number;
  ramRequestByteHours: number;
  ramUsageByteHours: number;
  networkBytes: number;
  lbHours: number;
  pvByteHours: number;
  pvBytes: number;
}

/** FNV-1a: stable pseudo-random numbers from names, never from the world's PRNG. */
export function hash01(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 4294967296;
}

const isWeekend = (t: number) => {
  const d = new Date(t).getUTCDay();
  return d === 0 || d === 6;
};

/** Environments running all weekend with nobody using them. */
const IDLE_APPS = new Set(['fraud-detector-dev']);

/** How much of its service's CPU use an environment runs at: prod all of it, staging 60 %, dev 45 %. */
function environmentCpuShare(environment: string): number {
  if (environment === 'prod') return 1;
  return environment === 'staging' ? 0.6 : 0.45;
}

/** The share of replicas kept over the weekend: all in dev and idle environments, 60 % in prod, 50 % elsewhere. */
function weekendReplicaShare(environment: string, idle: boolean): number {
  if (idle || environment === 'dev') return 1;
  return environment === 'prod' ? 0.6 : 0.5;
}

/** How the cost stand-in sees each app of the world. */
export function workloadOfApp(world: World, app: App): Workload {
  const service = app.service;
  const overProvisioned = hash01(`${service}/over`) < 0.3;
  const base = overProvisioned
    ? 0.08 + 0.06 * hash01(`${service}/cpu`)
    : 0.4 + 0.35 * hash01(`${service}/cpu`);
  const envShare = environmentCpuShare(app.environment);
  const idle = IDLE_APPS.has(app.name);
  const prod = app.environment === 'prod';
  return {
    cluster: app.cluster,
    environment: app.environment,
    namespace: app.namespace,
    controller: app.service,
    controllerKind: app.workload === 'Rollout' ? 'rollout' : 'deployment',
    labels: {
      'backstage.io/kubernetes-id': app.service,
      'app.kubernetes.io/name': app.service,
      'portolan.dev/environment': app.environment,
    },
    app,
    createdAt: app.createdAt,
    // The pod template's requests (WorldWorkloads): 250m CPU, 256Mi.
    podCpu: 0.25,
    podRamBytes: 256 * 1024 ** 2,
    replicasAt: t => world.replicasAt(app, t),
    cpuUtilisation: idle ? 0.012 : base * envShare,
    ramUtilisation: idle
      ? 0.18
      : Math.min(
          0.95,
          (overProvisioned ? 0.25 : 0.55) + 0.3 * hash01(`${service}/ram`),
        ),
    weekendReplicas: weekendReplicaShare(app.environment, idle),
    networkGBPerDay: prod ? 20 + 60 * hash01(`${service}/net`) : 2,
    loadBalancers: prod && hash01(`${service}/lb`) < 0.35 ? 1 : 0,
    pvBytes:
      hash01(`${service}/pv`) < 0.3
        ? Math.round(20 + 180 * hash01(`${service}/pvsize`)) * GIB
        : 0,
  };
}

/** Cluster workloads no service claims: system add-ons, a leftover job, a bare pod. */
export function systemWorkloads(
  cluster: string,
  environment: string,
  createdAt: number,
): Workload[] {
  const common = {
    cluster,
    environment,
    createdAt,
    weekendReplicas: 1,
    networkGBPerDay: 0.5,
    loadBalancers: 0,
    pvBytes: 0,
  };
  const list: Workload[] = [
    {
      ...common,
      namespace: 'kube-system',
      controller: 'coredns',
      controllerKind: 'deployment',
      labels: { 'k8s-app': 'kube-dns' },
      podCpu: 0.1,
      podRamBytes: 70 * 1024 ** 2,
      replicasAt: () => 2,
      cpuUtilisation: 0.3,
      ramUtilisation: 0.5,
    },
    {
      ...common,
      namespace: 'monitoring',
      controller: 'prometheus-server',
      controllerKind: 'statefulset',
      labels: { 'app.kubernetes.io/name': 'prometheus' },
      podCpu: 0.5,
      podRamBytes: 2 * GIB,
      replicasAt: () => 1,
      cpuUtilisation: 0.6,
      ramUtilisation: 0.8,
      pvBytes: 50 * GIB,
    },
  ];
  if (environment === 'prod') {
    // Labelled for a service that is not in the catalog (any more).
    list.push({
      ...common,
      namespace: 'payments',
      controller: 'legacy-reports',
      controllerKind: 'deployment',
      labels: {
        'backstage.io/kubernetes-id': 'legacy-reports',
        'app.kubernetes.io/name': 'legacy-reports',
      },
      podCpu: 0.5,
      podRamBytes: 512 * 1024 ** 2,
      replicasAt: () => 2,
      cpuUtilisation: 0.05,
      ramUtilisation: 0.3,
    });
  }
  if (environment === 'dev') {
    // `kubectl run` left behind: a pod without a controller.
    list.push({
      ...common,
      namespace: 'default',
      controller: '',
      controllerKind: '',
      labels: { run: 'debug-shell' },
      podCpu: 0.1,
      podRamBytes: 128 * 1024 ** 2,
      replicasAt: () => 1,
      cpuUtilisation: 0.01,
      ramUtilisation: 0.1,
    });
  }
  return list;
}

/** Integrates a workload's usage over [start, end), hour by hour of each day's figures. */
export function usageOf(w: Workload, start: number, end: number): Usage {
  const u: Usage = {
    minutes: 0,
    cpuRequestCoreHours: 0,
    cpuUsageCoreHours: 0,
    ramRequestByteHours: 0,
    ramUsageByteHours: 0,
    networkBytes: 0,
    lbHours: 0,
    pvByteHours: 0,
    pvBytes: w.pvBytes,
  };
  const from = Math.max(start, w.createdAt);
  if (!(end > from)) return u;
  u.minutes = (end - from) / 60_000;
  const key = `${w.cluster}/${w.namespace}/${w.controller}`;
  for (
    let dayStart = Math.floor(from / DAY) * DAY;
    dayStart < end;
    dayStart += DAY
  ) {
    const s = Math.max(from, dayStart);
    const e = Math.min(end, dayStart + DAY);
    if (e <= s) continue;
    const dayKey = `${key}/${dayStart}`;
    const weekend = isWeekend(dayStart);
    const scale =
      (weekend ? w.weekendReplicas : 1) *
      (1 + 0.06 * (hash01(`${dayKey}/r`) - 0.5));
    const traffic =
      (weekend ? 0.8 : 1) * (1 + 0.16 * (hash01(`${dayKey}/u`) - 0.5));
    // Replica-hours, with the replica count changing mid-day when a deploy scaled it.
    let replicaHours = 0;
    const changes = [
      s,
      ...(w.app?.replicaChanges ?? [])
        .map(c => c.at)
        .filter(t => t > s && t < e),
      e,
    ];
    for (let i = 0; i + 1 < changes.length; i++) {
      replicaHours +=
        w.replicasAt(changes[i]) * ((changes[i + 1] - changes[i]) / HOUR);
    }
    replicaHours *= scale;
    const hours = (e - s) / HOUR;
    const cpuReq = replicaHours * w.podCpu;
    const ramReq = replicaHours * w.podRamBytes;
    u.cpuRequestCoreHours += cpuReq;
    u.cpuUsageCoreHours += cpuReq * w.cpuUtilisation * traffic;
    u.ramRequestByteHours += ramReq;
    u.ramUsageByteHours +=
      ramReq * w.ramUtilisation * (1 + 0.05 * (hash01(`${dayKey}/m`) - 0.5));
    u.networkBytes += w.networkGBPerDay * 1e9 * traffic * (hours / 24);
    u.lbHours += w.loadBalancers * hours;
    u.pvByteHours += w.pvBytes * hours;
  }
  return u;
}
