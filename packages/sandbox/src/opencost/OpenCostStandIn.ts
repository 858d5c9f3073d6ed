import express from 'express';
import { Clock } from '../world/clock';
import { World } from '../world/World';
import {
  PRICES,
  Usage,
  Workload,
  hash01,
  systemWorkloads,
  usageOf,
  workloadOfApp,
} from './costModel';
import {
  IllegalParameterError,
  TimeWindow,
  TIME,
  parseDuration,
  parseWindow,
  splitWindow,
} from './window';

const GIB = 1024 ** 3;
const UNALLOCATED = '__unallocated__';
const IDLE = '__idle__';

/** One allocation as OpenCost's /allocation/compute returns it (see ../shared/specs/opencost). */
export interface Allocation {
  name: string;
  properties: Record<string, unknown>;
  window: { start: string; end: string };
  start: string;
  end: string;
  minutes: number;
  cpuCores: number;
  cpuCoreRequestAverage: number;
  cpuCoreUsageAverage: number;
  cpuCoreHours: number;
  cpuCost: number;
  cpuCostAdjustment: number;
  cpuEfficiency: number;
  gpuCount: number;
  gpuHours: number;
  gpuCost: number;
  gpuCostAdjustment: number;
  networkTransferBytes: number;
  networkReceiveBytes: number;
  networkCost: number;
  networkCostAdjustment: number;
  loadBalancerCost: number;
  loadBalancerCostAdjustment: number;
  pvBytes: number;
  pvByteHours: number;
  pvCost: number;
  pvs: null;
  pvCostAdjustment: number;
  ramBytes: number;
  ramByteRequestAverage: number;
  ramByteUsageAverage: number;
  ramByteHours: number;
  ramCost: number;
  ramCostAdjustment: number;
  ramEfficiency: number;
  sharedCost: number;
  externalCost: number;
  totalCost: number;
  totalEfficiency: number;
  rawAllocationOnly: null;
}

const AGGREGATE_FIELDS = new Set([
  'cluster',
  'node',
  'namespace',
  'controllerKind',
  'controller',
  'pod',
  'container',
  'service',
]);

/** OpenCost sanitises label names as Prometheus does (kube-state-metrics' label_ names). */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
const round = (v: number) => Math.round(v * 1e6) / 1e6;

interface Base {
  properties: Record<string, unknown>;
  start: number;
  end: number;
  usage: Usage;
}

/**
 * OpenCost's allocation API (`/allocation/compute`, and `/allocation`) for
 * one cluster of the sandbox, with costs derived from the world's apps:
 * their pods' requests, replicas over time (a deploy that doubles them
 * doubles the cost from then on), usage with weekly seasonality, some
 * over-provisioned services, an idle dev environment, the cluster's idle
 * capacity (`__idle__`) and workloads no label names (`__unallocated__`).
 */
export class OpenCostStandIn {
  /** Requests served, for tests and benchmarks counting calls. */
  readonly calls: string[] = [];
  private available = true;

  constructor(
    readonly cluster: string,
    readonly environment: string,
    private readonly world: World,
    private readonly clock: Clock,
  ) {}

  /** Makes the stand-in answer 503 (OpenCost down), or serve again. */
  setAvailable(available: boolean): void {
    this.available = available;
  }

  router(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    const handler: express.RequestHandler = (req, res) => {
      this.calls.push(req.originalUrl);
      if (!this.available) {
        res.status(503).json({
          code: 503,
          status: 'error',
          data: null,
          message: 'Service Unavailable',
        });
        return;
      }
      try {
        const query = Object.fromEntries(
          Object.entries(req.query).map(([k, v]) => [
            k,
            Array.isArray(v) ? String(v[0]) : String(v),
          ]),
        );
        res.json({ code: 200, status: 'success', data: this.compute(query) });
      } catch (error) {
        if (error instanceof IllegalParameterError) {
          res.status(400).json({
            code: 400,
            status: 'error',
            data: null,
            message: error.message,
          });
          return;
        }
        throw error;
      }
    };
    app.get('/allocation/compute', handler);
    app.get('/allocation', (req, res, next) => {
      // /allocation includes idle only when asked (includeIdle), /allocation/compute unless idle=false.
      req.query.idle ??= String(req.query.includeIdle ?? 'false');
      handler(req, res, next);
    });
    app.get('/healthz', (_req, res) => {
      res
        .status(this.available ? 200 : 503)
        .send(this.available ? 'ok' : 'unavailable');
    });
    return app;
  }

  /** The allocation sets for a query (OpenCost's `data`). */
  compute(query: Record<string, string>): Array<Record<string, Allocation>> {
    const now = this.clock.now();
    if (!query.window)
      throw new IllegalParameterError('missing window parameter');
    const window = parseWindow(query.window, now);
    const step = query.step ? parseDuration(query.step) : undefined;
    const accumulate = bool(query.accumulate, false, 'accumulate');
    const idle = bool(query.idle ?? query.includeIdle, true, 'idle');
    const shareIdle = bool(query.shareIdle, false, 'shareIdle');
    const aggregate = (query.aggregate ?? '')
      .split(',')
      .map(s => s.trim())
      .filter(Boolean);
    for (const a of aggregate) {
      if (
        !AGGREGATE_FIELDS.has(a) &&
        !/^(label|annotation):[A-Za-z0-9_]+$/.test(a)
      ) {
        throw new IllegalParameterError(`illegal aggregate: ${a}`);
      }
    }
    if (step && (window.end - window.start) / step > 400)
      throw new IllegalParameterError('too many sets: use a longer step');
    const sets = accumulate ? [window] : splitWindow(window, step);
    const workloads = this.workloads();
    return sets.map(set =>
      this.set(set, workloads, { aggregate, idle, shareIdle, now }),
    );
  }

  /** The cluster's workloads now: the world's apps on it and the system ones. */
  workloads(): Workload[] {
    const apps = this.world.apps.filter(a => a.cluster === this.cluster);
    const createdAt = Math.min(
      ...apps.map(a => a.createdAt),
      this.clock.now() - 90 * TIME.DAY,
    );
    return [
      ...apps.map(a => workloadOfApp(this.world, a)),
      ...systemWorkloads(this.cluster, this.environment, createdAt),
    ];
  }

  private set(
    set: TimeWindow,
    workloads: Workload[],
    options: {
      aggregate: string[];
      idle: boolean;
      shareIdle: boolean;
      now: number;
    },
  ): Record<string, Allocation> {
    const end = Math.min(set.end, options.now);
    const bases: Base[] = [];
    for (const w of workloads) {
      if (end <= set.start) break;
      const usage = usageOf(w, set.start, end);
      if (usage.minutes <= 0) continue;
      const start = Math.max(set.start, w.createdAt);
      const replicas = w.replicasAt(end);
      const hash = hash01(
        `${w.namespace}/${w.controller}/${w.app?.deploys.length ?? 0}`,
      )
        .toString(16)
        .slice(2, 12);
      const pods = w.controller
        ? Array.from(
            { length: replicas },
            (_, i) =>
              `${w.controller}-${hash}-${podSuffix(`${w.controller}/${i}`)}`,
          )
        : [w.labels.run ?? 'pod'];
      const common = {
        cluster: this.cluster,
        node: `${this.cluster}-node-${
          Math.floor(hash01(`${w.namespace}/${w.controller}`) * 4) + 1
        }`,
        ...(w.controller
          ? { controller: w.controller, controllerKind: w.controllerKind }
          : {}),
        namespace: w.namespace,
        labels: Object.fromEntries(
          Object.entries(w.labels).map(([k, v]) => [sanitizeLabelName(k), v]),
        ),
      };
      if (
        options.aggregate.includes('pod') ||
        options.aggregate.includes('container')
      ) {
        // One allocation per pod, the workload's figures shared evenly.
        for (const pod of pods) {
          bases.push({
            properties: { ...common, pod, container: w.controller || pod },
            start,
            end,
            usage: scaled(usage, 1 / pods.length),
          });
        }
      } else {
        bases.push({
          properties: pods.length === 1 ? { ...common, pod: pods[0] } : common,
          start,
          end,
          usage,
        });
      }
    }
    const allocations = bases.map(b =>
      toAllocation('', b.properties, set, b.start, b.end, b.usage),
    );
    const idleAllocation = this.idle(set, end, workloads, bases);
    if (options.shareIdle && idleAllocation)
      spreadIdleCost(allocations, idleAllocation);

    const out: Record<string, Allocation> = {};
    for (const a of allocations) {
      const name = options.aggregate.length
        ? options.aggregate.map(f => keyOf(a.properties, f)).join('/')
        : nameOf(a.properties);
      a.name = name;
      out[name] = out[name] ? add(out[name], a) : a;
    }
    if (options.idle && !options.shareIdle && idleAllocation)
      out[IDLE] = idleAllocation;
    return out;
  }

  /** The cluster's idle capacity: nodes sized for weekday peak requests with 30 % headroom. */
  private idle(
    set: TimeWindow,
    end: number,
    workloads: Workload[],
    bases: Base[],
  ): Allocation | undefined {
    if (end <= set.start || !bases.length) return undefined;
    const peakCores = workloads.reduce(
      (sum, w) => sum + w.podCpu * w.replicasAt(end),
      0,
    );
    const nodes = Math.ceil((peakCores * 1.3) / 4);
    const hours = (end - set.start) / TIME.HOUR;
    const capacityCoreHours = nodes * 4 * hours;
    const capacityRamByteHours = nodes * 16 * GIB * hours;
    const usedCore = bases.reduce(
      (s, b) =>
        s + Math.max(b.usage.cpuRequestCoreHours, b.usage.cpuUsageCoreHours),
      0,
    );
    const usedRam = bases.reduce(
      (s, b) =>
        s + Math.max(b.usage.ramRequestByteHours, b.usage.ramUsageByteHours),
      0,
    );
    const usage: Usage = {
      minutes: (end - set.start) / 60_000,
      cpuRequestCoreHours: 0,
      cpuUsageCoreHours: 0,
      ramRequestByteHours: 0,
      ramUsageByteHours: 0,
      networkBytes: 0,
      lbHours: 0,
      pvByteHours: 0,
      pvBytes: 0,
    };
    const a = toAllocation(
      IDLE,
      { cluster: this.cluster },
      set,
      set.start,
      end,
      usage,
    );
    a.cpuCoreHours = round(Math.max(0, capacityCoreHours - usedCore));
    a.cpuCores = round(a.cpuCoreHours / hours);
    a.cpuCost = round(a.cpuCoreHours * PRICES.cpuCoreHour);
    a.ramByteHours = round(Math.max(0, capacityRamByteHours - usedRam));
    a.ramBytes = round(a.ramByteHours / hours);
    a.ramCost = round((a.ramByteHours / GIB) * PRICES.ramGiBHour);
    a.totalCost = round(a.cpuCost + a.ramCost);
    a.cpuEfficiency = 0;
    a.ramEfficiency = 0;
    a.totalEfficiency = 0;
    return a;
  }
}

function bool(
  value: string | undefined,
  fallback: boolean,
  name: string,
): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new IllegalParameterError(`illegal ${name}: ${value}`);
}

function podSuffix(seed: string): string {
  const chars = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  let h = hash01(seed);
  for (let i = 0; i < 5; i++) {
    h = (h * 27) % 1;
    out += chars[Math.floor(h * 27) % 27];
    h = hash01(`${seed}/${i}`);
  }
  return out;
}

function scaled(u: Usage, f: number): Usage {
  return {
    minutes: u.minutes,
    cpuRequestCoreHours: u.cpuRequestCoreHours * f,
    cpuUsageCoreHours: u.cpuUsageCoreHours * f,
    ramRequestByteHours: u.ramRequestByteHours * f,
    ramUsageByteHours: u.ramUsageByteHours * f,
    networkBytes: u.networkBytes * f,
    lbHours: u.lbHours * f,
    pvByteHours: u.pvByteHours * f,
    pvBytes: u.pvBytes * f,
  };
}

/** A property's value as an aggregation key: `label:app` gives `app=value`; missing values are `__unallocated__`. */
function keyOf(properties: Record<string, unknown>, field: string): string {
  if (field.startsWith('label:')) {
    const name = field.slice('label:'.length);
    const value = (properties.labels as Record<string, string> | undefined)?.[
      name
    ];
    return value === undefined ? UNALLOCATED : `${name}=${value}`;
  }
  if (field.startsWith('annotation:')) return UNALLOCATED;
  if (field === 'service') return UNALLOCATED;
  const value = properties[field];
  return typeof value === 'string' && value ? value : UNALLOCATED;
}

/** Without `aggregate`, OpenCost names allocations cluster/node/namespace/pod/container. */
function nameOf(p: Record<string, unknown>): string {
  return [
    p.cluster,
    p.node,
    p.namespace,
    p.pod ?? p.controller ?? UNALLOCATED,
    p.controller ?? UNALLOCATED,
  ].join('/');
}

function toAllocation(
  name: string,
  properties: Record<string, unknown>,
  set: TimeWindow,
  start: number,
  end: number,
  u: Usage,
): Allocation {
  const hours = Math.max(u.minutes / 60, 1e-9);
  const cpuCoreHours = Math.max(u.cpuRequestCoreHours, u.cpuUsageCoreHours);
  const ramByteHours = Math.max(u.ramRequestByteHours, u.ramUsageByteHours);
  const cpuCost = cpuCoreHours * PRICES.cpuCoreHour;
  const ramCost = (ramByteHours / GIB) * PRICES.ramGiBHour;
  const networkCost = (u.networkBytes / 1e9) * PRICES.networkGB;
  const loadBalancerCost = u.lbHours * PRICES.loadBalancerHour;
  const pvCost = (u.pvByteHours / GIB) * PRICES.pvGiBHour;
  const cpuEfficiency =
    u.cpuRequestCoreHours > 0 ? u.cpuUsageCoreHours / u.cpuRequestCoreHours : 0;
  const ramEfficiency =
    u.ramRequestByteHours > 0 ? u.ramUsageByteHours / u.ramRequestByteHours : 0;
  return {
    name,
    properties,
    window: { start: iso(set.start), end: iso(set.end) },
    start: iso(start),
    end: iso(end),
    minutes: round(u.minutes),
    cpuCores: round(cpuCoreHours / hours),
    cpuCoreRequestAverage: round(u.cpuRequestCoreHours / hours),
    cpuCoreUsageAverage: round(u.cpuUsageCoreHours / hours),
    cpuCoreHours: round(cpuCoreHours),
    cpuCost: round(cpuCost),
    cpuCostAdjustment: 0,
    cpuEfficiency: round(cpuEfficiency),
    gpuCount: 0,
    gpuHours: 0,
    gpuCost: 0,
    gpuCostAdjustment: 0,
    networkTransferBytes: round(u.networkBytes),
    networkReceiveBytes: round(u.networkBytes * 0.4),
    networkCost: round(networkCost),
    networkCostAdjustment: 0,
    loadBalancerCost: round(loadBalancerCost),
    loadBalancerCostAdjustment: 0,
    pvBytes: round(u.pvBytes),
    pvByteHours: round(u.pvByteHours),
    pvCost: round(pvCost),
    pvs: null,
    pvCostAdjustment: 0,
    ramBytes: round(ramByteHours / hours),
    ramByteRequestAverage: round(u.ramRequestByteHours / hours),
    ramByteUsageAverage: round(u.ramUsageByteHours / hours),
    ramByteHours: round(ramByteHours),
    ramCost: round(ramCost),
    ramCostAdjustment: 0,
    ramEfficiency: round(ramEfficiency),
    sharedCost: 0,
    externalCost: 0,
    totalCost: round(
      cpuCost + ramCost + networkCost + loadBalancerCost + pvCost,
    ),
    totalEfficiency:
      cpuCost + ramCost > 0
        ? round(
            (cpuEfficiency * cpuCost + ramEfficiency * ramCost) /
              (cpuCost + ramCost),
          )
        : 0,
    rawAllocationOnly: null,
  };
}

const SUMMED = [
  'cpuCores',
  'cpuCoreRequestAverage',
  'cpuCoreUsageAverage',
  'cpuCoreHours',
  'cpuCost',
  'cpuCostAdjustment',
  'gpuCount',
  'gpuHours',
  'gpuCost',
  'gpuCostAdjustment',
  'networkTransferBytes',
  'networkReceiveBytes',
  'networkCost',
  'networkCostAdjustment',
  'loadBalancerCost',
  'loadBalancerCostAdjustment',
  'pvBytes',
  'pvByteHours',
  'pvCost',
  'pvCostAdjustment',
  'ramBytes',
  'ramByteRequestAverage',
  'ramByteUsageAverage',
  'ramByteHours',
  'ramCost',
  'ramCostAdjustment',
  'sharedCost',
  'externalCost',
  'totalCost',
] as const;

/**
 * Two allocations of the same set added, as OpenCost aggregates: amounts
 * and (concurrent) averages add up, efficiencies are re-weighted by cost,
 * properties keep only what both share (labels too).
 */
function add(a: Allocation, b: Allocation): Allocation {
  const out = { ...a };
  for (const k of SUMMED)
    (out as any)[k] = round((a as any)[k] + (b as any)[k]);
  out.start = a.start < b.start ? a.start : b.start;
  out.end = a.end > b.end ? a.end : b.end;
  out.minutes = Math.max(a.minutes, b.minutes);
  const cpuReqHours =
    a.cpuCoreRequestAverage * (a.minutes / 60) +
    b.cpuCoreRequestAverage * (b.minutes / 60);
  const cpuUseHours =
    a.cpuCoreUsageAverage * (a.minutes / 60) +
    b.cpuCoreUsageAverage * (b.minutes / 60);
  const ramReqHours =
    a.ramByteRequestAverage * (a.minutes / 60) +
    b.ramByteRequestAverage * (b.minutes / 60);
  const ramUseHours =
    a.ramByteUsageAverage * (a.minutes / 60) +
    b.ramByteUsageAverage * (b.minutes / 60);
  out.cpuEfficiency = cpuReqHours > 0 ? round(cpuUseHours / cpuReqHours) : 0;
  out.ramEfficiency = ramReqHours > 0 ? round(ramUseHours / ramReqHours) : 0;
  out.totalEfficiency =
    out.cpuCost + out.ramCost > 0
      ? round(
          (out.cpuEfficiency * out.cpuCost + out.ramEfficiency * out.ramCost) /
            (out.cpuCost + out.ramCost),
        )
      : 0;
  const properties: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a.properties)) {
    if (k === 'labels') {
      const la = v as Record<string, string>;
      const lb = (b.properties.labels ?? {}) as Record<string, string>;
      properties.labels = Object.fromEntries(
        Object.entries(la).filter(([lk, lv]) => lb[lk] === lv),
      );
    } else if (b.properties[k] === v) {
      properties[k] = v;
    }
  }
  out.properties = properties;
  return out;
}

/** shareIdle=true: the idle cost spread over the allocations in proportion to their CPU and RAM cost. */
function spreadIdleCost(allocations: Allocation[], idle: Allocation) {
  const cpu = allocations.reduce((s, a) => s + a.cpuCost, 0);
  const ram = allocations.reduce((s, a) => s + a.ramCost, 0);
  for (const a of allocations) {
    const extra =
      (cpu ? (a.cpuCost / cpu) * idle.cpuCost : 0) +
      (ram ? (a.ramCost / ram) * idle.ramCost : 0);
    a.sharedCost = round(a.sharedCost + extra);
    a.totalCost = round(a.totalCost + extra);
  }
}
