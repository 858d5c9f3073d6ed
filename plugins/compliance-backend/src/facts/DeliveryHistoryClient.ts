import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import { DEPLOYMENT_RESULTS } from '@portolan/plugin-delivery-common';
import { z } from 'zod';

const pageSchema = z
  .object({
    items: z.array(
      z
        .object({
          entityRef: z.string(),
          environment: z.string(),
          revision: z.string(),
          startedAt: z.string(),
          finishedAt: z.string().optional(),
          result: z.enum(DEPLOYMENT_RESULTS as [string, ...string[]]),
          app: z.string(),
        })
        .passthrough(),
    ),
    nextCursor: z.string().optional(),
  })
  .passthrough();

export type DeliveryRecord = z.infer<typeof pageSchema>['items'][number];

/**
 * The delivery plugin's deployment history, through its API (its tables
 * are its own): one paged list of every service's deploys to one
 * environment since a date, per cycle.
 */
export class DeliveryHistoryClient {
  readonly calls = { list: 0, pages: 0 };

  constructor(
    private readonly deps: {
      discovery: DiscoveryService;
      auth: AuthService;
      timeoutMs: number;
      fetch?: typeof fetch;
    },
  ) {}

  async listDeployments(options: {
    environment: string;
    from: Date;
    maxPages?: number;
  }): Promise<DeliveryRecord[]> {
    this.calls.list++;
    const base = await this.deps.discovery.getBaseUrl('delivery');
    const { token } = await this.deps.auth.getPluginRequestToken({
      onBehalfOf: await this.deps.auth.getOwnServiceCredentials(),
      targetPluginId: 'delivery',
    });
    const items: DeliveryRecord[] = [];
    let cursor: string | undefined;
    const maxPages = options.maxPages ?? 500;
    for (let page = 0; page < maxPages; page++) {
      const query = new URLSearchParams({
        environment: options.environment,
        from: options.from.toISOString(),
        limit: '200',
      });
      if (cursor) query.set('cursor', cursor);
      this.calls.pages++;
      const res = await (this.deps.fetch ?? fetch)(
        `${base}/deployments?${query}`,
        {
          headers: { Authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(this.deps.timeoutMs),
        },
      ).catch(error => {
        throw new ServiceUnavailableError(
          `The delivery history did not answer: ${(error as Error).message}`,
        );
      });
      if (!res.ok) {
        throw new ServiceUnavailableError(
          `The delivery history answered HTTP ${res.status}`,
        );
      }
      const parsed = pageSchema.safeParse(await res.json());
      if (!parsed.success) {
        throw new ServiceUnavailableError(
          `The delivery history answered an unexpected shape: ${parsed.error.issues[0].message}`,
        );
      }
      items.push(...parsed.data.items);
      cursor = parsed.data.nextCursor;
      if (!cursor) break;
    }
    return items;
  }
}
