import { LogFieldNames } from './fields';

/** Where an entity's logs are read: resolved from its annotations and config. */
export interface LogScope {
  cluster: string;
  index: string;
  serviceField: string;
  service: string;
  environmentField: string;
  /** False when the entity has no log annotations and the defaults apply. */
  annotated: boolean;
}

/** One part of a line's message: plain, or a match of the query (highlighted). */
export interface MessageSegment {
  text: string;
  match?: boolean;
}

/** A log line as the backend returns it: secrets already masked. */
export interface LogLine {
  /** Opaque id of the line (index and document id), for context requests. */
  id: string;
  timestamp: string;
  message: string;
  /** The message split where the query matched; absent without a text query. */
  segments?: MessageSegment[];
  level?: string;
  service?: string;
  environment?: string;
  namespace?: string;
  pod?: string;
  traceId?: string;
  /** Every field of the document, flattened to dotted names. */
  fields: Record<string, unknown>;
}

export interface HistogramBucket {
  /** Start of the bucket, epoch milliseconds. */
  t: number;
  count: number;
  /** Lines per level in the bucket. */
  levels: Record<string, number>;
}

export interface FacetValue {
  value: string;
  count: number;
}

export interface LogSearchResponse {
  cluster: string;
  scope: LogScope[];
  fields: LogFieldNames;
  from: string;
  to: string;
  lines: LogLine[];
  /** Only on the first page (no cursor). */
  total?: { value: number; relation: 'eq' | 'gte' };
  histogram?: { intervalMs: number; buckets: HistogramBucket[] };
  /** Top values of environment, level and pod in the result: only on the first page. */
  facets?: {
    environment: FacetValue[];
    level: FacetValue[];
    pod: FacetValue[];
  };
  /** Give it back as `cursor` for the next (older) page; absent on the last page. */
  nextCursor?: string;
  /** Give it to `tail` for the lines newer than this result (first page only). */
  tailCursor?: string;
  /** "Open in Kibana": Discover with the same query, filters and time range, when configured. */
  kibanaUrl?: string;
  tookMs: number;
}

export interface LogTailResponse {
  /** New lines, oldest first. */
  lines: LogLine[];
  tailCursor: string;
}

export interface LogContextResponse {
  anchor: LogLine;
  /** Older lines of the same pod, oldest first. */
  before: LogLine[];
  /** Newer lines of the same pod, oldest first. */
  after: LogLine[];
}

export interface LogFieldInfo {
  name: string;
  type: string;
  aggregatable: boolean;
  searchable: boolean;
}

export interface LogFieldsResponse {
  cluster: string;
  fields: LogFieldInfo[];
}

export interface TraceResponse {
  traceId: string;
  lines: LogLine[];
  /** The services whose lines were searched (those the user may read). */
  services: string[];
  /** Clusters that could not be searched, with why. */
  errors: Array<{ cluster: string; message: string }>;
}

/** The query parameters of a search (all optional but the time range's sanity). */
export interface LogSearchQuery {
  q?: string;
  from?: string;
  to?: string;
  environment?: string[];
  level?: string[];
  pod?: string[];
  /** `field:value` pairs for any other field. */
  filter?: string[];
  size?: number;
  cursor?: string;
}

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_QUERY_LENGTH = 2000;
