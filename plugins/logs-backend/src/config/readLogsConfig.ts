import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { ECS_LOG_FIELDS, LogFieldNames } from '@portolan/plugin-logs-common';
import { isLoopbackUrl } from '@portolan/argocd-node';
import fs from 'node:fs';
import { z } from 'zod';

/** One Elasticsearch cluster holding logs, validated. */
export interface LogClusterConfig {
  name: string;
  url: string;
  auth: { apiKey: string } | { username: string; password: string };
  ca?: string;
  index: string;
  fields: LogFieldNames;
  timeoutMs: number;
  kibana?: { url: string; dataViewId?: string };
}

export interface LogsConfig {
  clusters: LogClusterConfig[];
  redactionPatterns: RegExp[];
  exportLimit: number;
  cursorSecret?: string;
}

export const LOGS_CLUSTERS_CONFIG_KEY = 'logs.clusters';

const fieldName = z
  .string()
  .regex(/^[@A-Za-z0-9_][A-Za-z0-9_.@-]{0,199}$/, 'must be a field name');
/** An index pattern the scope may name: no exclusions, no cross-cluster, no `_all`. */
export const indexPattern = z
  .string()
  .regex(
    /^[a-z0-9*][a-z0-9*._+-]{0,254}$/,
    'must be one index pattern, like logs-* (lower case, no commas or exclusions)',
  );

const httpUrl = (what: string) =>
  z
    .string()
    .url()
    .refine(u => /^https?:\/\//i.test(u), 'must be an http(s) URL')
    .refine(
      u => !/^http:/i.test(u) || isLoopbackUrl(u),
      `must be https: (http: is allowed only for loopback addresses: localhost, 127.0.0.0/8, ::1), so ${what} never cross a network in clear text`,
    );

const clusterSchema = z
  .object({
    name: z
      .string()
      .regex(
        /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
        'must be a lower-case DNS label',
      ),
    url: httpUrl('credentials and log lines'),
    apiKey: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    caData: z.string().min(1).optional(),
    caFile: z.string().min(1).optional(),
    index: indexPattern.default('logs-*'),
    fields: z
      .object({
        timestamp: fieldName,
        message: fieldName,
        level: fieldName,
        service: fieldName,
        environment: fieldName,
        namespace: fieldName,
        pod: fieldName,
        traceId: fieldName,
      })
      .partial()
      .strict()
      .optional(),
    timeout: z.unknown().optional(),
    kibana: z
      .object({
        url: httpUrl('links'),
        dataViewId: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be a data view id')
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine(c => c.apiKey || (c.username && c.password), {
    message: 'needs either apiKey, or username and password',
  })
  .refine(c => !(c.apiKey && (c.username || c.password)), {
    message: 'takes apiKey or username/password, not both',
  });

function fail(key: string, issue: z.ZodIssue): never {
  const field = issue.path.length ? `.${issue.path.join('.')}` : '';
  throw new Error(`Invalid config value at '${key}${field}': ${issue.message}`);
}

/** Reads and validates `logs`. A bad value stops start-up with an error naming its key (never its value). */
export function readLogsConfig(config: Config): LogsConfig {
  const clusters: LogClusterConfig[] = [];
  const entries = config.getOptionalConfigArray(LOGS_CLUSTERS_CONFIG_KEY) ?? [];
  entries.forEach((entry, i) => {
    const key = `${LOGS_CLUSTERS_CONFIG_KEY}[${i}]`;
    const parsed = clusterSchema.safeParse(entry.get());
    if (!parsed.success) fail(key, parsed.error.issues[0]);
    const c = parsed.data;
    let ca: string | undefined;
    if (c.caData) ca = Buffer.from(c.caData, 'base64').toString('utf8');
    if (c.caFile) {
      try {
        ca = fs.readFileSync(c.caFile, 'utf8');
      } catch (e) {
        throw new Error(
          `Invalid config value at '${key}.caFile': cannot read the file (${
            (e as NodeJS.ErrnoException).code
          })`,
        );
      }
    }
    if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new Error(
        `Invalid config value at '${key}.${
          c.caFile ? 'caFile' : 'caData'
        }': not a PEM certificate`,
      );
    }
    let timeoutMs = 4000;
    if (entry.has('timeout')) {
      timeoutMs = durationToMilliseconds(
        readDurationFromConfig(entry, { key: 'timeout' }),
      );
      if (timeoutMs < 100 || timeoutMs > 60_000) {
        throw new Error(
          `Invalid config value at '${key}.timeout': must be between 100 ms and 60 s`,
        );
      }
    }
    if (clusters.some(x => x.name === c.name)) {
      throw new Error(
        `Invalid config value at '${key}.name': cluster name '${c.name}' is used twice`,
      );
    }
    clusters.push({
      name: c.name,
      url: c.url.replace(/\/+$/, ''),
      auth: c.apiKey
        ? { apiKey: c.apiKey }
        : { username: c.username!, password: c.password! },
      ca,
      index: c.index,
      fields: { ...ECS_LOG_FIELDS, ...c.fields },
      timeoutMs,
      kibana: c.kibana
        ? {
            url: c.kibana.url.replace(/\/+$/, ''),
            dataViewId: c.kibana.dataViewId,
          }
        : undefined,
    });
  });
  const redactionPatterns = (
    config.getOptionalStringArray('logs.redaction.patterns') ?? []
  ).map((p, i) => {
    try {
      return new RegExp(p, 'g');
    } catch (e) {
      throw new Error(
        `Invalid config value at 'logs.redaction.patterns[${i}]': not a regular expression (${
          (e as Error).message
        })`,
      );
    }
  });
  const exportLimit = config.getOptionalNumber('logs.exportLimit') ?? 10_000;
  if (
    !Number.isInteger(exportLimit) ||
    exportLimit < 1 ||
    exportLimit > 100_000
  ) {
    throw new Error(
      `Invalid config value at 'logs.exportLimit': must be an integer from 1 to 100000`,
    );
  }
  const cursorSecret = config.getOptionalString('logs.cursorSecret');
  if (cursorSecret !== undefined && cursorSecret.length < 16) {
    throw new Error(
      `Invalid config value at 'logs.cursorSecret': must be at least 16 characters`,
    );
  }
  return { clusters, redactionPatterns, exportLimit, cursorSecret };
}
