import type { CollectionStats } from '../facts/FactCollector';
import type { ServiceFacts } from '../facts/ServiceFacts';

const DAY = 86_400_000;
export const NOW = Date.parse('2026-03-11T12:00:00Z');
export const SERVICE = 'component:default/payment-gateway';

/** A service that passes every check but catalog.runbook. */
export function facts(overrides: Partial<ServiceFacts> = {}): ServiceFacts {
  return {
    entityRef: SERVICE,
    title: 'Payment gateway',
    owner: 'group:default/team-payments',
    ownerIsGroup: true,
    system: 'system:default/payments',
    description: 'Takes payments',
    lifecycle: 'production',
    // No runbook: fails catalog.runbook.
    links: [{ url: 'https://oncall.example/payments', title: 'On-call' }],
    environments: ['prod'],
    argocd: {
      ok: true,
      value: [
        {
          instance: 'argocd-prod',
          name: 'payment-gateway-prod',
          cluster: 'prod-eu',
          environment: 'prod',
          automated: true,
          selfHeal: true,
          targetRevision: 'main',
        },
      ],
    },
    workloads: {
      ok: true,
      value: [
        {
          cluster: 'prod-eu',
          environment: 'prod',
          kind: 'Rollout',
          namespace: 'payments',
          name: 'payment-gateway',
          labels: {},
          replicas: 3,
          containers: [
            {
              name: 'app',
              image: 'registry.example/payment-gateway:abc1234',
              requests: ['cpu', 'memory'],
              limits: ['cpu', 'memory'],
              liveness: true,
              readiness: true,
            },
          ],
          canary: true,
          analysis: true,
        },
      ],
    },
    deliveries: {
      ok: true,
      value: [
        {
          entityRef: SERVICE,
          environment: 'prod',
          revision: 'abcdef1234567',
          startedAt: new Date(NOW - 2 * DAY).toISOString(),
          result: 'succeeded',
          app: 'payment-gateway-prod',
        },
      ],
    },
    repository: {
      ok: true,
      value: {
        url: 'https://github.com/acme/payment-gateway/tree/main/',
        etag: 'c0ffee1234567890',
        files: ['.github/workflows/ci.yml', 'CODEOWNERS'],
      },
    },
    sourceLocation: 'url:https://github.com/acme/payment-gateway/tree/main/',
    ...overrides,
  };
}

/** Collection figures of one cycle, as a fake collector reports them. */
export function stats(): CollectionStats {
  return {
    catalog: 1,
    argocd: {},
    kubernetes: {},
    delivery: 1,
    git: { trees: 1, notModified: 0, failed: 0 },
    failures: [],
  };
}
