import * as k8s from '@kubernetes/client-node';
import { kubeconfigCluster, sandboxFetch, startTestSandbox } from '../testing';

// Schema compilation and the sandbox's start take seconds on a busy 2-core machine.
jest.setTimeout(30_000);

describe('Kubernetes stand-in, through the official @kubernetes/client-node', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let kc: k8s.KubeConfig;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    const prod = kubeconfigCluster(sandbox.info, 'prod-eu');
    kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      // TLS verified against the sandbox's CA, as against any cluster.
      clusters: [
        {
          name: 'prod-eu',
          server: prod.url,
          caData: prod.caData,
          skipTLSVerify: false,
        },
      ],
      users: [{ name: 'sa', token: prod.token }],
      contexts: [{ name: 'ctx', cluster: 'prod-eu', user: 'sa' }],
      currentContext: 'ctx',
    });
  });
  afterAll(() => sandbox.stop());

  it('lists pods by label selector and reads their logs', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const pods = await core.listNamespacedPod({
      namespace: 'payments',
      labelSelector: 'backstage.io/kubernetes-id=checkout-service',
    });
    expect(pods.items).toHaveLength(5);
    expect(pods.items.every(p => p.status?.phase === 'Running')).toBe(true);
    const log = await core.readNamespacedPodLog({
      name: pods.items[0].metadata!.name!,
      namespace: 'payments',
    });
    expect(log).toMatch(/GET \/healthz\/ready 200/);
    const byField = await core.listPodForAllNamespaces({
      fieldSelector: `metadata.name=${pods.items[0].metadata!.name}`,
    });
    expect(byField.items).toHaveLength(1);
  });

  it('keeps replicasets, pods and the rollout consistent', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const rollout: any = await custom.getNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'payments',
      plural: 'rollouts',
      name: 'checkout-service',
    });
    const rs = await apps.listNamespacedReplicaSet({
      namespace: 'payments',
      labelSelector: 'backstage.io/kubernetes-id=checkout-service',
    });
    expect(
      rs.items.map(r => r.metadata!.labels!['rollouts-pod-template-hash']),
    ).toContain(rollout.status.stableRS);
    expect(rollout.status.phase).toBe('Healthy');
  });

  it('stores the kubectl-argo-rollouts abort and retry patches; the controller reacts on its own loop; 409 on a stale resourceVersion', async () => {
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const target = {
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'payments',
      plural: 'rollouts',
      name: 'checkout-service',
    };
    const before: any = await custom.getNamespacedCustomObject(target);
    const merge = k8s.setHeaderOptions(
      'Content-Type',
      k8s.PatchStrategy.MergePatch,
    );
    const aborted: any = await custom.patchNamespacedCustomObjectStatus(
      { ...target, body: { status: { abort: true } } },
      merge,
    );
    // The API server stores the patch and answers; the controller has not run yet.
    expect(aborted.status.abort).toBe(true);
    expect(aborted.status.phase).toBe('Healthy');
    sandbox.tick();
    const reacted: any = await custom.getNamespacedCustomObject(target);
    expect(reacted.status.phase).toBe('Degraded');
    expect(Number(reacted.metadata.resourceVersion)).toBeGreaterThan(
      Number(aborted.metadata.resourceVersion),
    );
    // A patch carrying the resourceVersion the user saw before is refused.
    const stale = await custom
      .patchNamespacedCustomObjectStatus(
        {
          ...target,
          body: {
            metadata: { resourceVersion: before.metadata.resourceVersion },
            status: { abort: false },
          },
        },
        merge,
      )
      .catch(e => e);
    expect(stale).toBeInstanceOf(k8s.ApiException);
    expect(stale.code).toBe(409);
    expect(JSON.parse(stale.body)).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      code: 409,
    });
    const retried: any = await custom.patchNamespacedCustomObjectStatus(
      { ...target, body: { status: { abort: false } } },
      merge,
    );
    expect(retried.status.abort).toBe(false);
    sandbox.tick();
    const healthy: any = await custom.getNamespacedCustomObject(target);
    expect(healthy.status.abortedAt).toBeUndefined();
    expect(healthy.status.phase).toBe('Healthy');
  });

  it('answers like a real API server to bad requests', async () => {
    const prod = sandbox.info.kubernetes.find(k => k.name === 'prod-eu')!;
    const fetch = sandboxFetch(sandbox.info);
    const anon = await fetch(`${prod.url}/api/v1/pods`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Unauthorized',
      code: 401,
    });
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const missing = await core
      .readNamespacedPod({ name: 'nope', namespace: 'payments' })
      .catch(e => e);
    expect(missing.code).toBe(404);
    const badSelector = await fetch(
      `${prod.url}/api/v1/pods?labelSelector=%3D%3D`,
      {
        headers: { Authorization: `Bearer ${prod.token}` },
      },
    );
    expect(badSelector.status).toBe(400);
    const badName = await fetch(`${prod.url}/api/v1/namespaces`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${prod.token}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ metadata: { name: 'Not Valid' } }),
    });
    expect(badName.status).toBe(422);
  });
});
