/**
 * What the logs plugin's actions return (actions registry and MCP): the
 * backend's output schemas are typed against these, and readers such as the
 * assistant's offline brief read them through these types.
 */

/** The deploy that started shortly before an error burst. */
export interface ErrorBurstDeploy {
  environment: string;
  revision: string;
  startedAt: string;
  result: string;
  commitMessage?: string;
  /** Minutes from the deploy's start to the burst's start. */
  minutesBeforeBurst: number;
}

/** One error burst: a run of intervals well above the usual error rate. */
export interface ErrorBurstView {
  start: string;
  end: string;
  count: number;
  peakPerBucket: number;
  sampleMessages: string[];
  nearestDeploy?: ErrorBurstDeploy;
  /** The Logs tab, errors of the burst's time range. */
  logsUrl: string;
}

/** The output of `logs:error-bursts`. */
export interface ErrorBurstsActionOutput {
  entityRef: string;
  from: string;
  to: string;
  intervalMs: number;
  totalErrors: number;
  /** The usual (median) number of errors per interval. */
  baselinePerBucket: number;
  bursts: ErrorBurstView[];
  /** Why deploys could not be matched to bursts, if they could not. */
  deployLookupError?: string;
}
