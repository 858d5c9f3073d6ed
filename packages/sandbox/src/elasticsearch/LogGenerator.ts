import crypto from 'node:crypto';
import { Clock } from '../world/clock';
import { App, Deploy, World } from '../world/World';
import { LogIndex } from './LogIndex';
import { LogStream } from './LogStream';
import { LogTemplate, hashString, mix } from './logTemplates';

/** Lines are generated in slots of 5 s: a slot is written once it has passed, so live lines lag at most that. */
export const SLOT_MS = 5000;
const DAY = 86_400_000;

/**
 * Background lines per slot per app, by environment (before the time of
 * day's factor), and traces starting per slot per environment (each crosses
 * 2-4 services): about 1.1 million lines in 7 days for the demo catalog.
 */
const RATE: Record<string, number> = { prod: 0.38, staging: 0.14, dev: 0.14 };
const TRACES: Record<string, number> = { prod: 0.6, staging: 0.25, dev: 0.25 };
/** Error lines per slot of a failing canary (or crash-looping new version): ~30 a minute. */
const BURST_RATE = 2.5;
/** Canary pods start failing this long after the deploy began. */
const BURST_DELAY_MS = 20_000;
const HOURLY = [
  0.35, 0.3, 0.3, 0.3, 0.35, 0.45, 0.6, 0.85, 1.1, 1.3, 1.4, 1.4, 1.35, 1.35,
  1.4, 1.4, 1.3, 1.2, 1.05, 0.9, 0.75, 0.6, 0.5, 0.4,
];

/**
 * Whether the sandbox's canary analysis passes for a revision: the same
 * scenario as the Rollouts controller's (about one canary in ten fails),
 * so a canary the sandbox will fail logs errors while it runs.
 */
export function canaryAnalysisPasses(revision: string): boolean {
  return parseInt(revision.slice(0, 2), 16) >= 26;
}

/** debug (1), info (2), warn (3) or error (4) for a uniform draw: dev logs more debug. */
function backgroundLevel(r: number, env: string): number {
  if (r < (env === 'dev' ? 0.2 : 0.06)) return 1;
  if (r < 0.92) return 2;
  if (r < 0.985) return 3;
  return 4;
}

/** A small PRNG reseeded per slot (no allocation per line). */
class SlotRandom {
  private s = 0;
  reset(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  u32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

interface StreamState {
  app: App;
  stream: LogStream;
  key: number;
  /** Index into app.deploys of the last deploy started by the slot being generated. */
  deploy: number;
  pods: Map<string, number[]>;
  from: number;
  /** Pods when the app has no deploy yet (named after the app, as the Kubernetes stand-in does). */
  initial: string;
  phase?: Phase;
  phaseKey?: number;
  phaseResult?: string;
}

interface Phase {
  stable: number[];
  canary?: number[];
  /** Pods that fail (a failing canary or a crash-looping new version), with lines to log. */
  failing?: number[];
}

interface PendingLine {
  offset: number;
  level: number;
  pod: number;
  trace: number;
  template: LogTemplate;
  param: number;
}

/**
 * Writes the sandbox World's logs into the index: 7 days back from the
 * sandbox's start, then every slot as the sandbox's clock passes it. Same
 * seed, same lines. The story follows the World: pods named as the
 * Kubernetes stand-in names them, revisions as Argo CD deploys them, error
 * bursts from canaries that fail (and from new versions whose sync failed),
 * and traces that cross the services of an environment.
 */
export class LogGenerator {
  private readonly states = new Map<string, StreamState>();
  private nextSlot: number | undefined;
  private readonly rng = new SlotRandom();
  private readonly envs: string[];
  /** Background templates by level number (debug, info, warn, error). */
  private readonly pools: LogTemplate[][];

  constructor(
    private readonly world: World,
    private readonly index: LogIndex,
    private readonly clock: Clock,
    private readonly seed: number,
    private readonly days = 7,
  ) {
    this.envs = [
      ...new Set(world.catalog.clusters.map(c => c.environment)),
    ].sort();
    this.pools = ['trace', 'debug', 'info', 'warn', 'error'].map(level =>
      index.templates.background.filter(t => t.level === level),
    );
  }

  /** Generates every slot that has passed by the clock's now. */
  catchUp(): void {
    const now = this.clock.now();
    const last = Math.floor(now / SLOT_MS);
    if (this.nextSlot === undefined)
      this.nextSlot = Math.floor((now - this.days * DAY) / SLOT_MS);
    if (this.nextSlot >= last) return;
    this.discoverApps();
    const byEnv = new Map<string, StreamState[]>();
    for (const s of this.states.values()) {
      const list = byEnv.get(s.app.environment) ?? [];
      list.push(s);
      byEnv.set(s.app.environment, list);
    }
    for (let slot = this.nextSlot; slot < last; slot++) {
      for (const [env, states] of byEnv) this.generateSlot(slot, env, states);
    }
    this.nextSlot = last;
  }

  private discoverApps() {
    for (const app of this.world.apps) {
      if (this.states.has(app.name)) continue;
      const stream = this.index.stream(
        app.service,
        app.environment,
        app.namespace,
        app.cluster,
      );
      this.states.set(app.name, {
        app,
        stream,
        key: hashString(app.name),
        deploy: -1,
        pods: new Map(),
        from: app.createdAt,
        initial: crypto.createHash('sha1').update(app.name).digest('hex'),
      });
    }
  }

  /** Pods of a revision, named as the Kubernetes stand-in names them (`<service>-<hash>-<suffix>`). */
  private podsOf(
    state: StreamState,
    revision: string,
    count: number,
  ): number[] {
    const key = `${revision}/${count}`;
    let pods = state.pods.get(key);
    if (!pods) {
      const rs = `${state.app.service}-${revision.slice(0, 10)}`;
      pods = [];
      for (let i = 0; i < count; i++) {
        const suffix = crypto
          .createHash('sha1')
          .update(`${rs}/${i}`)
          .digest('hex')
          .slice(0, 5);
        pods.push(
          state.stream.podId(
            `${rs}-${suffix}`,
            `${state.app.cluster}-node-${(i % 3) + 1}`,
          ),
        );
      }
      state.pods.set(key, pods);
    }
    return pods;
  }

  private phaseAt(state: StreamState, t: number): Phase {
    const deploys = state.app.deploys;
    while (
      state.deploy + 1 < deploys.length &&
      deploys[state.deploy + 1].startedAt <= t
    )
      state.deploy++;
    const d: Deploy | undefined = deploys[state.deploy];
    const inFlight = !!d && (d.finishedAt === undefined || t < d.finishedAt);
    const failing = !!d && t >= d.startedAt + BURST_DELAY_MS;
    // The same phase for every slot until a deploy starts, ends or fails.
    const key = state.deploy * 4 + (inFlight ? 2 : 0) + (failing ? 1 : 0);
    if (
      state.phase &&
      state.phaseKey === key &&
      state.phaseResult === d?.result
    )
      return state.phase;
    state.phaseKey = key;
    state.phaseResult = d?.result;
    state.phase = this.computePhase(state, d, inFlight, failing);
    return state.phase;
  }

  private computePhase(
    state: StreamState,
    d: Deploy | undefined,
    inFlight: boolean,
    failing: boolean,
  ): Phase {
    const initial = state.initial;
    if (!d) return { stable: this.podsOf(state, initial, state.app.replicas) };
    if (!inFlight) {
      const ok = d.result === 'succeeded' || d.result === 'rolled-back';
      return {
        stable: this.podsOf(
          state,
          ok ? d.revision : d.previousRevision ?? initial,
          state.app.replicas,
        ),
      };
    }
    const stable = this.podsOf(
      state,
      d.previousRevision ?? initial,
      state.app.replicas,
    );
    if (state.app.workload === 'Rollout') {
      const canary = this.podsOf(state, d.revision, 1);
      const fails =
        d.result === 'canary-aborted' ||
        (d.result === 'in-progress' && !canaryAnalysisPasses(d.revision));
      return { stable, canary, failing: fails && failing ? canary : undefined };
    }
    if (d.result === 'failed' && failing)
      return { stable, failing: this.podsOf(state, d.revision, 1) };
    return { stable };
  }

  private generateSlot(slot: number, env: string, states: StreamState[]) {
    const t0 = slot * SLOT_MS;
    const { templates } = this.index;
    const rng = this.rng;
    const live = states.filter(s => s.from <= t0);
    if (live.length === 0) return;
    const phases = live.map(s => this.phaseAt(s, t0));
    const pending: PendingLine[][] = live.map(() => []);
    const envIndex = this.envs.indexOf(env);
    const pickPod = (phase: Phase) =>
      phase.canary && rng.next() < 0.25
        ? rng.pick(phase.canary)
        : rng.pick(phase.stable);

    // Traces across services: a request entering one service and calling others.
    rng.reset(mix(this.seed, slot, envIndex, 0x7ace));
    const traceCount = Math.floor((TRACES[env] ?? 0.25) + rng.next());
    let k = 0;
    for (; k < traceCount; k++) {
      const trace = this.index.generatedTrace(slot, envIndex, k);
      const hops = Math.min(live.length, 2 + rng.int(3));
      let offset = rng.int(SLOT_MS - 200);
      const seen = new Set<number>();
      for (let h = 0; h < hops; h++) {
        const i = rng.int(live.length);
        if (seen.has(i)) continue;
        seen.add(i);
        const template = rng.pick(templates.traced);
        pending[i].push({
          offset,
          level: this.index.levelId(template.level),
          pod: pickPod(phases[i]),
          trace,
          template,
          param: rng.u32(),
        });
        offset += 1 + rng.int(30);
      }
    }
    // Failing pods: their errors, each in a trace whose caller logs the failure too.
    for (let i = 0; i < live.length; i++) {
      const failing = phases[i].failing;
      if (!failing) continue;
      const n = Math.floor(BURST_RATE + rng.next());
      for (let j = 0; j < n; j++, k++) {
        const trace = this.index.generatedTrace(slot, envIndex, k);
        const offset = rng.int(SLOT_MS - 200);
        // Another service of the environment called it, and logs the failure.
        if (live.length > 1) {
          const caller = (i + 1 + rng.int(live.length - 1)) % live.length;
          const template =
            templates.callerOfFailure.get(live[i].app.service) ??
            templates.callerOfFailure.values().next().value!;
          pending[caller].push({
            offset,
            level: this.index.levelId(template.level),
            pod: pickPod(phases[caller]),
            trace,
            template,
            param: rng.u32(),
          });
        }
        const template = rng.pick(templates.burst);
        pending[i].push({
          offset: offset + 1 + rng.int(40),
          level: this.index.levelId(template.level),
          pod: rng.pick(failing),
          trace,
          template,
          param: rng.u32(),
        });
      }
    }

    const hourly = HOURLY[new Date(t0).getUTCHours()];
    for (let i = 0; i < live.length; i++) {
      const state = live[i];
      rng.reset(mix(this.seed, state.key, slot));
      const lines = pending[i];
      const n = Math.floor((RATE[env] ?? 0.13) * hourly + rng.next());
      for (let j = 0; j < n; j++) {
        const r = rng.next();
        const level = backgroundLevel(r, env);
        const template =
          rng.next() < 0.0008
            ? rng.pick(templates.secret)
            : rng.pick(this.pools[level]);
        lines.push({
          offset: rng.int(SLOT_MS),
          level: this.index.levelId(template.level),
          pod: pickPod(phases[i]),
          trace: 0,
          template,
          param: rng.u32(),
        });
      }
      if (lines.length === 0) continue;
      lines.sort((a, b) => a.offset - b.offset);
      for (const line of lines) {
        state.stream.append(
          t0 + Math.min(line.offset, SLOT_MS - 1),
          line.level,
          line.pod,
          line.trace,
          line.template.id,
          line.param,
        );
      }
    }
  }
}
