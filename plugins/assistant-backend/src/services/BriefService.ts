import { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { AssistantBrief } from '@portolan/plugin-assistant-common';
import { AssistantTools, ResolvedTool } from './AssistantTools';
import type { CostJumpView } from '@portolan/plugin-finops-common';
import type { ErrorBurstView } from '@portolan/plugin-logs-common';
import { Redactor } from '@portolan/portolan-node';

type Rec = Record<string, any>;
const DAY = 24 * 3600_000;
const NEAR_DEPLOY_MS = 30 * 60_000;

const isRec = (v: unknown): v is Rec =>
  !!v && typeof v === 'object' && !Array.isArray(v);
const firstArray = (v: unknown, ...keys: string[]): Rec[] => {
  if (!isRec(v)) return [];
  for (const k of keys) if (Array.isArray(v[k])) return v[k].filter(isRec);
  const any = Object.values(v).find(Array.isArray);
  return (any ?? []).filter(isRec);
};
/**
 * A list of an action's typed output (`ErrorBurstsActionOutput.bursts`,
 * `ServiceCostActionOutput.costJumps`): only its object items, since what
 * arrives over the actions registry is still checked before it is read.
 */
const listOf = <T>(v: unknown, key: string): Array<T & Rec> =>
  isRec(v) && Array.isArray(v[key])
    ? (v[key] as unknown[]).filter(isRec).map(x => x as T & Rec)
    : [];
const linkOf = (v: unknown): string | undefined =>
  isRec(v)
    ? (Object.entries(v).find(
        ([k, x]) => /Url$/i.test(k) && typeof x === 'string',
      )?.[1] as string | undefined)
    : undefined;
const timeOf = (r: Rec): number | undefined => {
  for (const k of ['startedAt', 'start', 'from', 'at', 'time', 'timestamp']) {
    const t = typeof r[k] === 'string' ? Date.parse(r[k]) : NaN;
    if (!Number.isNaN(t)) return t;
  }
  return undefined;
};
const hhmm = (t: number) =>
  new Date(t).toISOString().slice(0, 16).replace('T', ' ');

/**
 * The deterministic brief shown without a model (or when it fails): the
 * same read-only actions the model would call, with the user's
 * credentials, each given a short deadline, summarised by rules.
 */
export class BriefService {
  constructor(
    private readonly tools: AssistantTools,
    private readonly redactor: Redactor,
    private readonly now: () => number,
    private readonly timeoutMs = 450,
  ) {}

  async brief(
    entityRef: string,
    credentials: BackstageCredentials,
    available?: ResolvedTool[],
  ): Promise<AssistantBrief> {
    const now = this.now();
    // One deadline for the whole brief, listing the actions included.
    const deadline = Date.now() + this.timeoutMs;
    const tools = available ?? (await this.tools.list(credentials));
    const call = async (id: string, input: Rec): Promise<unknown> => {
      const tool = tools.find(t => t.id === id);
      if (!tool) throw new Error('not available');
      const left = Math.max(50, deadline - Date.now());
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          this.tools.invoke(tool, input, credentials),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${this.timeoutMs} ms`)),
              left,
            );
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    };
    const since = new Date(now - DAY).toISOString();
    const [deploys, rollouts, bursts, checks, cost] = await Promise.allSettled([
      call('delivery:get-deployments', { entityRef, limit: 50 }),
      call('delivery:get-rollouts', { entityRef }),
      call('logs:error-bursts', { entityRef, from: since }),
      call('compliance:get-service-checks', { entityRef }),
      call('finops:get-service-cost', { entityRef }),
    ]);
    const section = (
      title: string,
      result: PromiseSettledResult<unknown>,
      items: (v: unknown) => string[],
    ): AssistantBrief['sections'][number] => {
      if (result.status === 'rejected')
        return {
          title,
          items: [],
          error: (result.reason as Error)?.message ?? String(result.reason),
        };
      return { title, items: items(result.value), link: linkOf(result.value) };
    };
    const deployTimes: number[] = [];
    const sections = [
      section('Deployed in the last 24 h', deploys, v => {
        const recent = firstArray(v, 'deployments').filter(d => {
          const t = timeOf(d);
          return t !== undefined && t >= now - DAY && t <= now;
        });
        recent.forEach(d => deployTimes.push(timeOf(d)!));
        return recent.length
          ? recent
              .slice(0, 10)
              .map(
                d =>
                  `${hhmm(timeOf(d)!)} ${d.environment ?? ''} ${String(
                    d.revision ?? '',
                  ).slice(0, 8)} ${d.result ?? ''}${
                    d.commit?.message
                      ? `: ${String(d.commit.message)
                          .split('\n')[0]
                          .slice(0, 80)}`
                      : ''
                  }`,
              )
          : ['No deploys in the last 24 h.'];
      }),
      section('Canary state', rollouts, v => {
        const list = firstArray(v, 'rollouts');
        return list.length
          ? list.map(
              r =>
                `${r.environment ?? r.cluster} ${r.name}: ${r.phase}${
                  r.step ? `, ${r.step}` : ''
                }${r.aborted ? ' (aborted)' : ''}${
                  r.latestAnalysis?.phase
                    ? `, analysis ${r.latestAnalysis.phase}`
                    : ''
                }`,
            )
          : ['No rollouts.'];
      }),
      section('Error bursts near deploys', bursts, v => {
        const list = listOf<ErrorBurstView>(v, 'bursts');
        if (!list.length) return ['No error bursts in the last 24 h.'];
        return list.slice(0, 10).map(b => {
          const t = Date.parse(b.start);
          const deploy = b.nearestDeploy;
          // The logs action matched the deploy before the burst; without
          // one, a deploy listed above within 30 min still counts.
          const afterListedDeploy =
            !Number.isNaN(t) &&
            deployTimes.some(d => t >= d && t - d <= NEAR_DEPLOY_MS);
          let near = afterListedDeploy ? ' (within 30 min after a deploy)' : '';
          if (deploy)
            near = ` (${deploy.minutesBeforeBurst} min after ${
              deploy.environment
            } ${String(deploy.revision).slice(0, 8)} ${deploy.result})`;
          return `${Number.isNaN(t) ? '?' : hhmm(t)}: ${
            b.count ?? '?'
          } errors${near}`;
        });
      }),
      section('Failing checks', checks, v => {
        const failing = firstArray(v, 'checks', 'results').filter(
          c =>
            c.passed === false ||
            /fail/i.test(String(c.status ?? c.result ?? '')),
        );
        return failing.length
          ? failing
              .slice(0, 10)
              .map(
                c =>
                  `${c.title ?? c.checkId}: ${String(
                    c.reason ?? 'failing',
                  ).trim()}`,
              )
          : ['No failing checks.'];
      }),
      section('Cost jumps', cost, v => {
        const jumps = listOf<CostJumpView>(v, 'costJumps');
        const currency =
          isRec(v) && typeof v.currency === 'string' ? ` ${v.currency}` : '';
        return jumps.length
          ? jumps
              .slice(0, 5)
              .map(
                j =>
                  `${j.day} ${j.environment}: ${
                    j.changePercent > 0 ? '+' : ''
                  }${j.changePercent}% (${j.before} -> ${
                    j.after
                  }${currency}/day) after ${String(j.revision).slice(0, 8)}`,
              )
          : ['No cost jumps.'];
      }),
    ].map(s => ({
      ...s,
      items: s.items.map(i => this.redactor.redact(i)),
    }));
    return {
      entityRef,
      generatedAt: new Date(now).toISOString(),
      sections,
    };
  }
}
