import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';

export interface FinopsConfig {
  currency: string;
  clusters: Array<{ name: string; url: string; environment?: string }>;
  timeoutMs: number;
  backfillDays: number;
  daysPerCall: number;
  rightsizing: { percentile: number; headroom: number; days: number };
  costJumpThresholdPercent: number;
}

/** Reads `finops` from config, with the documented defaults (config.d.ts). */
export function readFinopsConfig(config: Config): FinopsConfig {
  const c = config.getOptionalConfig('finops');
  const currency = c?.getOptionalString('currency') ?? 'USD';
  if (!/^[A-Z]{3}$/.test(currency))
    throw new Error(
      `finops.currency must be an ISO 4217 code like USD, got '${currency}'`,
    );
  const clusters = (c?.getOptionalConfigArray('opencost.clusters') ?? []).map(
    k => ({
      name: k.getString('name'),
      url: k.getString('url'),
      environment: k.getOptionalString('environment'),
    }),
  );
  const positive = (key: string, fallback: number, max = Infinity) => {
    const v = c?.getOptionalNumber(key) ?? fallback;
    if (!(v > 0) || v > max)
      throw new Error(
        `finops.${key} must be a positive number${
          max < Infinity ? ` up to ${max}` : ''
        }, got ${v}`,
      );
    return v;
  };
  return {
    currency,
    clusters,
    timeoutMs: c?.has('opencost.timeout')
      ? durationToMilliseconds(
          readDurationFromConfig(c, { key: 'opencost.timeout' }),
        )
      : 30_000,
    backfillDays: Math.round(positive('backfillDays', 90, 400)),
    daysPerCall: Math.round(positive('daysPerCall', 15, 31)),
    rightsizing: {
      percentile: positive('rightsizing.percentile', 95, 100),
      headroom: c?.getOptionalNumber('rightsizing.headroom') ?? 0.2,
      days: Math.round(positive('rightsizing.days', 14, 90)),
    },
    costJumpThresholdPercent: positive('costJumpThresholdPercent', 25),
  };
}
