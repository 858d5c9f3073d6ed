import { z } from 'zod';

/** The allocation fields Portolan reads, validated (OpenCost sends more). */
const allocationSchema = z.object({
  name: z.string(),
  properties: z
    .object({
      cluster: z.string().optional(),
      namespace: z.string().optional(),
      controller: z.string().optional(),
      controllerKind: z.string().optional(),
      labels: z.record(z.string()).optional(),
    })
    .passthrough()
    .default({}),
  window: z.object({ start: z.string(), end: z.string() }),
  start: z.string(),
  end: z.string(),
  minutes: z.number(),
  cpuCoreRequestAverage: z.number(),
  cpuCoreUsageAverage: z.number(),
  cpuCost: z.number(),
  cpuCostAdjustment: z.number().default(0),
  gpuCost: z.number().default(0),
  gpuCostAdjustment: z.number().default(0),
  networkCost: z.number().default(0),
  networkCostAdjustment: z.number().default(0),
  loadBalancerCost: z.number().default(0),
  loadBalancerCostAdjustment: z.number().default(0),
  pvCost: z.number().default(0),
  pvCostAdjustment: z.number().default(0),
  ramByteRequestAverage: z.number(),
  ramByteUsageAverage: z.number(),
  ramCost: z.number(),
  ramCostAdjustment: z.number().default(0),
  sharedCost: z.number().default(0),
  externalCost: z.number().default(0),
  totalCost: z.number(),
});
export type OpenCostAllocation = z.infer<typeof allocationSchema>;

const responseSchema = z.object({
  code: z.number(),
  data: z.array(z.record(allocationSchema).nullable()),
});

export interface AllocationQuery {
  /** [start, end) in ms; sent as a Unix-seconds pair. */
  start: number;
  end: number;
  step?: string;
  aggregate: string;
  /** Include the cluster's `__idle__` allocation. */
  idle?: boolean;
}

export class OpenCostError extends Error {
  constructor(
    readonly cluster: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`OpenCost for cluster ${cluster}: ${message}`, options);
    this.name = 'OpenCostError';
  }
}

/**
 * One cluster's OpenCost allocation API (`/allocation/compute`). Every call
 * has a timeout; answers are validated; errors name the cluster (never the
 * URL, which may carry credentials).
 */
export class OpenCostClient {
  readonly cluster: string;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: {
    cluster: string;
    url: string;
    timeoutMs?: number;
    fetch?: typeof fetch;
  }) {
    this.cluster = options.cluster;
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** The allocation sets of a window (one per step), oldest first. */
  async allocations(
    query: AllocationQuery,
  ): Promise<Array<Record<string, OpenCostAllocation>>> {
    const params = new URLSearchParams({
      window: `${Math.floor(query.start / 1000)},${Math.floor(
        query.end / 1000,
      )}`,
      aggregate: query.aggregate,
      accumulate: 'false',
      idle: String(query.idle ?? true),
    });
    if (query.step) params.set('step', query.step);
    let res: Response;
    try {
      res = await this.fetchImpl(
        `${this.baseUrl}/allocation/compute?${params}`,
        {
          headers: { Accept: 'application/json' },
          signal: AbortSignal.timeout(this.timeoutMs),
        },
      );
    } catch (error) {
      const reason =
        (error as Error)?.name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs / 1000} s`
          : `unreachable (${
              (error as any)?.cause?.code ??
              (error as Error)?.message ??
              'network error'
            })`;
      throw new OpenCostError(this.cluster, reason, { cause: error });
    }
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      let message = '';
      try {
        message = JSON.parse(body)?.message ?? '';
      } catch {
        message = '';
      }
      throw new OpenCostError(
        this.cluster,
        `HTTP ${res.status}${
          message ? `: ${String(message).slice(0, 200)}` : ''
        }`,
      );
    }
    const parsed = responseSchema.safeParse(
      await res.json().catch(() => undefined),
    );
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new OpenCostError(
        this.cluster,
        `unexpected answer (${issue.path.join('.')}: ${issue.message})`,
      );
    }
    return parsed.data.data.map(set => set ?? {});
  }
}
