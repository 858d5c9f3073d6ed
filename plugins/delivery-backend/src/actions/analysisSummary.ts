import {
  RolloutAnalysisRun,
  RolloutView,
} from '@portolan/plugin-delivery-common';
import { ActionSchema, ActionZod, truncateText } from '@portolan/portolan-node';

/** An analysis run as the actions give it: the common model's own shape. */
export type AnalysisRunSummary = RolloutAnalysisRun;

/** A rollout's canary in a few fields: where it is, and what its analysis said. */
export interface AnalysisSummary {
  cluster: string;
  namespace: string;
  rollout: string;
  phase: string;
  message?: string;
  step: string;
  canaryWeight: number;
  aborted: boolean;
  paused: boolean;
  latestAnalysis?: AnalysisRunSummary;
}

/** An analysis run, its metrics bounded. */
export const analysisRunSchema = (
  z: ActionZod,
): ActionSchema<AnalysisRunSummary> =>
  z.object({
    name: z.string(),
    phase: z.string(),
    message: z.string().optional(),
    startedAt: z.string().optional(),
    metrics: z.array(
      z.object({
        name: z.string(),
        phase: z.string(),
        successful: z.number(),
        failed: z.number(),
        lastValue: z.string().optional(),
      }),
    ),
  });

/** The schema of {@link AnalysisSummary}, for the actions' output. */
export const analysisSummarySchema = (
  z: ActionZod,
): ActionSchema<AnalysisSummary> =>
  z.object({
    cluster: z.string(),
    namespace: z.string(),
    rollout: z.string(),
    phase: z.string(),
    message: z.string().optional(),
    step: z.string(),
    canaryWeight: z.number(),
    aborted: z.boolean(),
    paused: z.boolean(),
    latestAnalysis: analysisRunSchema(z).optional(),
  });

const cut = (s: string | undefined) => (s ? truncateText(s, 300) : undefined);

/** The latest analysis run of a rollout, its failing metrics first (at most 5). */
export function latestAnalysisOf(r: RolloutView) {
  const run = [...r.analysisRuns].sort((a, b) =>
    (b.startedAt ?? '').localeCompare(a.startedAt ?? ''),
  )[0];
  if (!run) return undefined;
  const failing = (m: { failed: number; phase: string }) =>
    m.failed > 0 || /fail|error|inconclusive/i.test(m.phase) ? 0 : 1;
  return {
    name: run.name,
    phase: run.phase,
    message: cut(run.message),
    startedAt: run.startedAt,
    metrics: [...run.metrics]
      .sort((a, b) => failing(a) - failing(b))
      .slice(0, 5)
      .map(m => ({ ...m, lastValue: m.lastValue?.slice(0, 100) })),
  };
}

/** "Step 2 of 5: Pause until promoted". */
export function stepOf(r: RolloutView): string {
  const step = r.steps[r.currentStepIndex];
  return `Step ${Math.min(r.currentStepIndex + 1, r.stepCount)} of ${
    r.stepCount
  }${step ? `: ${step.description}` : ''}`;
}

export function analysisSummary(r: RolloutView): AnalysisSummary {
  return {
    cluster: r.cluster,
    namespace: r.namespace,
    rollout: r.name,
    phase: r.phase,
    message: cut(r.message),
    step: stepOf(r),
    canaryWeight: r.canaryWeight,
    aborted: r.aborted,
    paused: r.paused || r.pauseReasons.length > 0,
    latestAnalysis: latestAnalysisOf(r),
  };
}
