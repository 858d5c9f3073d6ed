import {
  DeploymentSummary,
  DoraMetrics,
} from '@portolan/plugin-delivery-common';
import { DeploymentStore } from '../database/DeploymentStore';
import { computeDora } from './computeDora';
import { DeliveryCalendar } from './DeliveryCalendar';

const DAY = 86_400_000;
/** Deploys read before the first week, so a rollback early in it knows what it undid. */
const CONTEXT_MS = 14 * DAY;

/**
 * Deploy counts and DORA figures from the stored history, with the day and
 * week arithmetic done here (in the caller's IANA zone), so every API
 * client gets the same weeks and the same trend.
 */
export class DeploymentMetricsService {
  static create(deps: {
    store: DeploymentStore;
    calendar?: DeliveryCalendar;
  }): DeploymentMetricsService {
    return new DeploymentMetricsService(
      deps.store,
      deps.calendar ?? DeliveryCalendar.create(),
    );
  }

  private constructor(
    private readonly store: DeploymentStore,
    private readonly calendar: DeliveryCalendar,
  ) {}

  /** Deploys today and this ISO week (in the zone), and in the last seven days. */
  async summary(q: {
    entityRefs?: string[];
    environment?: string;
    timeZone: string;
  }): Promise<DeploymentSummary> {
    const now = this.calendar.now();
    const since = [
      this.calendar.startOfDay(q.timeZone, now),
      this.calendar.startOfWeek(q.timeZone, now),
      now - 7 * DAY,
    ].map(t => new Date(t));
    const [[today, thisWeek, lastSevenDays], lastIngestedAt] =
      await Promise.all([
        this.store.countSince({
          entityRefs: q.entityRefs,
          environment: q.environment,
          since,
        }),
        this.lastIngestedAt(),
      ]);
    const [todayAt, thisWeekAt, lastSevenDaysAt] = since.map(d =>
      d.toISOString(),
    );
    return {
      today,
      thisWeek,
      lastSevenDays,
      since: {
        today: todayAt,
        thisWeek: thisWeekAt,
        lastSevenDays: lastSevenDaysAt,
      },
      timeZone: q.timeZone,
      lastIngestedAt,
    };
  }

  /** DORA figures over `weeks` full weeks plus the week in progress. */
  async dora(q: {
    subject: string;
    entityRefs: string[];
    environment: string;
    weeks: number;
    timeZone: string;
  }): Promise<DoraMetrics> {
    const window = this.calendar.weeks(q.timeZone, q.weeks);
    const rows = await this.store.doraRows({
      entityRefs: q.entityRefs,
      environment: q.environment,
      since: new Date(
        (window.fullWeekStarts[0] ?? window.currentWeekStart) - CONTEXT_MS,
      ),
    });
    return computeDora(rows, {
      subject: q.subject,
      environment: q.environment,
      timeZone: q.timeZone,
      window,
    });
  }

  /** When ingestion last succeeded for every instance (the oldest of them). */
  async lastIngestedAt(): Promise<string | undefined> {
    const state = await this.store.ingestionState();
    const successes = state
      .map(s => s.lastSuccessAt?.getTime())
      .filter((t): t is number => t !== undefined);
    return successes.length
      ? new Date(Math.min(...successes)).toISOString()
      : undefined;
  }
}
