import { DeploymentTimelinePage } from '@portolan/plugin-delivery-common';
import { DeploymentStore, TimelineQuery } from '../database/DeploymentStore';
import { RolloutActionStore } from '../database/RolloutActionStore';
import { DeploymentMetricsService } from './DeploymentMetricsService';

/** A page request of a timeline: the filters, without whose deploys. */
export type TimelinePageQuery = Omit<TimelineQuery, 'entityRef' | 'entityRefs'>;

/**
 * Pages of the deployment timeline with the canary actions of their time
 * window and links to each commit and Argo CD app: what the timeline API
 * and the `delivery:get-deployments` action both answer from.
 */
export class DeploymentTimelineService {
  static create(deps: {
    store: DeploymentStore;
    rolloutActions: RolloutActionStore;
    metrics: DeploymentMetricsService;
    /** The Argo CD UI link of an app, when its instance is configured. */
    appUrl?: (instance: string, app: string) => string | undefined;
    /** A commit's page in its forge (from the SCM integrations). */
    commitUrl?: (repoUrl: string, revision: string) => string | undefined;
  }): DeploymentTimelineService {
    return new DeploymentTimelineService(deps);
  }

  private constructor(
    private readonly deps: Parameters<
      typeof DeploymentTimelineService.create
    >[0],
  ) {}

  /** A page of deploys for some entities (undefined: all), with the canary actions of its window. */
  async page(
    entityRefs: string[] | undefined,
    q: TimelinePageQuery,
  ): Promise<DeploymentTimelinePage> {
    const { store, rolloutActions } = this.deps;
    const page = await store.timeline({ entityRefs, ...q });
    // Canary actions interleave with the deploys of the same time window:
    // from this page's oldest deploy (or the start, on the last page) up to
    // where the previous page ended.
    const oldest = page.items[page.items.length - 1];
    const actions =
      q.result || !entityRefs
        ? []
        : await rolloutActions.list({
            entityRefs,
            environment: q.environment,
            from:
              page.nextCursor && oldest ? new Date(oldest.startedAt) : q.from,
            to: q.cursor ? new Date(store.cursorTime(q.cursor)) : q.to,
          });
    const items = page.items.map(({ repoUrl, ...d }) => ({
      ...d,
      commitUrl: repoUrl
        ? this.deps.commitUrl?.(repoUrl, d.revision)
        : undefined,
      argoCdUrl: this.deps.appUrl?.(d.instance, d.app),
    }));
    return {
      ...page,
      items,
      actions,
      lastIngestedAt: await this.deps.metrics.lastIngestedAt(),
    };
  }
}
