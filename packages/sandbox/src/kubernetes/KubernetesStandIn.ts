import express from 'express';
import { Clock } from '../world/clock';
import { World } from '../world/World';
import { KubernetesApiServer } from './KubernetesApiServer';
import { KubernetesStore, iso } from './KubernetesStore';
import { Obj } from './resources';
import { RolloutController } from './RolloutController';
import { WorldWorkloads } from './WorldWorkloads';

/**
 * One sandbox cluster: an API server (HTTP, discovery, tables) over a store
 * (objects, resourceVersions, selectors, merge patch), the world's apps
 * applied to it, and an Argo Rollouts controller that advances canaries on
 * its own loop (`sync`, called on the sandbox's tick), never inside a
 * request.
 */
export class KubernetesStandIn {
  readonly store: KubernetesStore;
  private readonly api: KubernetesApiServer;
  private readonly workloads: WorldWorkloads;
  private readonly controller: RolloutController;
  private readonly writeListeners: Array<() => void> = [];

  constructor(
    readonly cluster: string,
    readonly token: string,
    private readonly world: World,
    private readonly clock: Clock,
  ) {
    this.store = new KubernetesStore(clock);
    this.workloads = new WorldWorkloads(cluster, world, this.store, clock);
    this.controller = new RolloutController({
      cluster,
      store: this.store,
      onFinished: (rollout, result, now) => {
        const app = this.workloads.appOf(rollout);
        const deploy = app ? this.world.current(app) : undefined;
        if (deploy?.result === 'in-progress')
          this.world.finishDeploy(deploy, result, now);
      },
    });
    this.api = new KubernetesApiServer({
      cluster,
      token,
      store: this.store,
      clock,
      podLog: pod => this.podLog(pod),
      onWrite: () => this.writeListeners.forEach(l => l()),
    });
    this.workloads.follow();
  }

  router(): express.Express {
    return this.api.router();
  }

  /** Called after a client writes through the API (the controller's watch). */
  onApiWrite(listener: () => void): void {
    this.writeListeners.push(listener);
  }

  /** Follows the world (new apps, new deploys), then the controller's pass. */
  sync(now: number): void {
    this.workloads.follow();
    this.controller.reconcile(now);
  }

  /** The controller's pass alone (after a client's write). */
  reconcile(now: number): void {
    this.controller.reconcile(now);
  }

  private podLog(pod: Obj): string[] {
    const lines: string[] = [];
    for (let i = 0; i < 20; i++) {
      const t = iso(this.clock.now() - (20 - i) * 15_000);
      lines.push(
        `${t} INFO ${
          pod.metadata.labels?.['app.kubernetes.io/name']
        } handled GET /healthz/ready 200 in ${3 + (i % 7)}ms`,
      );
    }
    return lines;
  }
}
