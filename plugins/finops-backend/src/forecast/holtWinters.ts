/**
 * Additive Holt-Winters (ETS(A,Ad,A)) with a damped trend and weekly
 * seasonality, for daily cost series. No maintained npm package implements
 * it with prediction intervals, so it is here, short:
 *
 *   level   l_t = α (y_t − s_{t−m}) + (1 − α)(l_{t−1} + φ b_{t−1})
 *   trend   b_t = β (l_t − l_{t−1}) + (1 − β) φ b_{t−1}
 *   season  s_t = γ (y_t − l_t) + (1 − γ) s_{t−m}
 *   ŷ_{t+h} = l_t + (φ + … + φ^h) b_t + s_{t+h−m(k+1)}
 *
 * α, β, γ, φ are chosen by grid search on the one-step-ahead squared error.
 * The h-step variance is Hyndman et al.'s for the additive model
 * (Forecasting with Exponential Smoothing, 2008, table 6.1, class 1):
 * σ²[1 + Σ_{j<h} (α(1 + jβ) + γ·[j mod m = 0])²], σ² from the one-step
 * residuals. Intervals of sums add these variances (errors taken as
 * independent), which is narrower than the truth: it is a guide.
 */
export interface HoltWintersModel {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
  period: number;
  level: number;
  trend: number;
  /** Seasonal terms for the next `period` days, in order. */
  season: number[];
  /** Standard deviation of one-step errors. */
  sigma: number;
}

const ALPHAS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7];
const BETAS = [0, 0.02, 0.1];
const GAMMAS = [0.05, 0.1, 0.2, 0.4];
const PHIS = [0.8, 0.95];

function run(
  y: number[],
  m: number,
  alpha: number,
  beta: number,
  gamma: number,
  phi: number,
) {
  const first = y.slice(0, m);
  const second = y.slice(m, 2 * m);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  let level = mean(first);
  let trend = (mean(second) - level) / m;
  const season = first.map(v => v - level);
  let sse = 0;
  let n = 0;
  for (let t = m; t < y.length; t++) {
    const s = season[t % m];
    const predicted = level + phi * trend + s;
    const error = y[t] - predicted;
    sse += error * error;
    n++;
    const prevLevel = level;
    level = alpha * (y[t] - s) + (1 - alpha) * (level + phi * trend);
    trend = beta * (level - prevLevel) + (1 - beta) * phi * trend;
    season[t % m] = gamma * (y[t] - level) + (1 - gamma) * s;
  }
  const next = Array.from({ length: m }, (_, i) => season[(y.length + i) % m]);
  return { sse, n, level, trend, season: next };
}

/** Fits the model; needs at least two full periods (14 days). */
export function fitHoltWinters(
  y: number[],
  period = 7,
): HoltWintersModel | undefined {
  if (y.length < 2 * period) return undefined;
  let best:
    | (ReturnType<typeof run> & {
        alpha: number;
        beta: number;
        gamma: number;
        phi: number;
      })
    | undefined;
  for (const alpha of ALPHAS)
    for (const beta of BETAS)
      for (const gamma of GAMMAS)
        for (const phi of PHIS) {
          const r = run(y, period, alpha, beta, gamma, phi);
          if (!best || r.sse < best.sse)
            best = { ...r, alpha, beta, gamma, phi };
        }
  const b = best!;
  return {
    alpha: b.alpha,
    beta: b.beta,
    gamma: b.gamma,
    phi: b.phi,
    period,
    level: b.level,
    trend: b.trend,
    season: b.season,
    sigma: Math.sqrt(b.sse / Math.max(1, b.n - 1)),
  };
}

/** Point forecasts and their variances for h = 1..horizon. */
export function forecastHoltWinters(
  model: HoltWintersModel,
  horizon: number,
): { mean: number[]; variance: number[] } {
  const mean: number[] = [];
  const variance: number[] = [];
  let damp = 0;
  let sum = 0;
  for (let h = 1; h <= horizon; h++) {
    damp += model.phi ** h;
    mean.push(
      model.level + damp * model.trend + model.season[(h - 1) % model.period],
    );
    if (h > 1) {
      const j = h - 1;
      const c =
        model.alpha * (1 + j * model.beta) +
        (j % model.period === 0 ? model.gamma : 0);
      sum += c * c;
    }
    variance.push(model.sigma ** 2 * (1 + sum));
  }
  return { mean, variance };
}

/** z of a central interval (80 % → 1.2816). */
export const Z_80 = 1.2815515655446004;

/**
 * Forecast of a daily series `horizon` days ahead with an 80 % interval,
 * never below zero. Series shorter than two weeks fall back to their mean
 * (with their spread as the interval); fewer than 3 days: none.
 */
export function forecastDaily(
  y: number[],
  horizon: number,
):
  | {
      method: string;
      mean: number[];
      low: number[];
      high: number[];
      sumVariance: number;
    }
  | undefined {
  if (y.length < 3 || horizon <= 0) return undefined;
  const model = fitHoltWinters(y);
  let mean: number[];
  let variance: number[];
  let method: string;
  if (model) {
    ({ mean, variance } = forecastHoltWinters(model, horizon));
    method = 'Holt-Winters (additive, damped trend, weekly seasonality)';
  } else {
    const avg = y.reduce((a, b) => a + b, 0) / y.length;
    const sd = Math.sqrt(
      y.reduce((a, b) => a + (b - avg) ** 2, 0) / Math.max(1, y.length - 1),
    );
    mean = Array(horizon).fill(avg);
    variance = Array(horizon).fill(sd * sd);
    method = 'mean of the days so far (less than two weeks of data)';
  }
  mean = mean.map(v => Math.max(0, v));
  const low = mean.map((v, i) =>
    Math.max(0, v - Z_80 * Math.sqrt(variance[i])),
  );
  const high = mean.map((v, i) => v + Z_80 * Math.sqrt(variance[i]));
  return {
    method,
    mean,
    low,
    high,
    sumVariance: variance.reduce((a, b) => a + b, 0),
  };
}

/** Mean absolute percentage error, in percent. */
export function mape(actual: number[], predicted: number[]): number {
  let sum = 0;
  let n = 0;
  actual.forEach((a, i) => {
    if (a > 0) {
      sum += Math.abs((a - predicted[i]) / a);
      n++;
    }
  });
  return n ? (sum / n) * 100 : 0;
}

/**
 * Holds out the last `holdout` days, forecasts them from the rest, and
 * compares with the naive forecast (the mean of the last 30 days before).
 */
export function backtest(
  y: number[],
  holdout = 14,
): { holtWinters: number; naive: number } | undefined {
  if (y.length < holdout + 14) return undefined;
  const train = y.slice(0, y.length - holdout);
  const test = y.slice(y.length - holdout);
  const f = forecastDaily(train, holdout)!;
  const last30 = train.slice(-30);
  const naive = last30.reduce((a, b) => a + b, 0) / last30.length;
  return {
    holtWinters: mape(test, f.mean),
    naive: mape(
      test,
      test.map(() => naive),
    ),
  };
}
