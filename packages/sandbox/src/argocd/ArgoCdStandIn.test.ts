import { sandboxFetch, startTestSandbox } from '../testing';
import {
  argoCdCaller,
  expectCrdShape,
  expectSwaggerShape as check,
} from './__testUtils__/argoCdSpecs';

describe('Argo CD stand-in', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let token: string;
  const base = () =>
    sandbox.info.argocd.find(a => a.name === 'argocd-prod')!.url;
  const call = argoCdCaller(base, () => token);
  const prodEu = () => sandbox.info.kubernetes.find(k => k.name === 'prod-eu')!;

  beforeAll(async () => {
    sandbox = await startTestSandbox({ historyLimit: 10 });
    const session = await call(
      'POST',
      '/api/v1/session',
      { username: 'admin', password: 'portolan-sandbox' },
      false,
    );
    check('sessionSessionResponse', session.body);
    token = session.body.token;
  });
  afterAll(() => sandbox.stop());

  it('lists applications by label selector, valid against the swagger and the CRD', async () => {
    const res = await call(
      'GET',
      '/api/v1/applications?selector=backstage.io/kubernetes-id%3Dcheckout-service',
    );
    expect(res.status).toBe(200);
    check('v1alpha1ApplicationList', res.body);
    expect(res.body.items.map((a: any) => a.metadata.name)).toEqual([
      'checkout-service-prod',
    ]);
    const app = res.body.items[0];
    expectCrdShape(app);
    // History is capped at the app's revisionHistoryLimit, like Argo CD.
    expect(app.status.history).toHaveLength(10);
    expect(app.spec.revisionHistoryLimit).toBe(10);
    expect(app.spec.destination.server).toBe(prodEu().url);
  });

  it('answers every read route with spec-shaped bodies', async () => {
    const app = await call('GET', '/api/v1/applications/checkout-service-prod');
    check('v1alpha1Application', app.body);
    expectCrdShape(app.body);
    const tree = await call(
      'GET',
      '/api/v1/applications/checkout-service-prod/resource-tree',
    );
    check('v1alpha1ApplicationTree', tree.body);
    const revision = app.body.status.history[0].revision;
    const meta = await call(
      'GET',
      `/api/v1/applications/checkout-service-prod/revisions/${revision}/metadata`,
    );
    check('v1alpha1RevisionMetadata', meta.body);
    expect(meta.body.author).toMatch(/<.+@.+>/);
    const projects = await call('GET', '/api/v1/projects');
    check('v1alpha1AppProjectList', projects.body);
    const project = await call('GET', '/api/v1/projects/payments');
    check('v1alpha1AppProject', project.body);
  });

  it('creates projects and apps, syncs, rolls back and terminates', async () => {
    const project = await call('POST', '/api/v1/projects', {
      project: {
        metadata: { name: 'onboarding' },
        spec: {
          sourceRepos: ['http://git/*'],
          destinations: [{ server: prodEu().url, namespace: '*' }],
        },
      },
    });
    expect(project.status).toBe(200);
    check('v1alpha1AppProject', project.body);
    const created = await call('POST', '/api/v1/applications', {
      metadata: {
        name: 'new-svc-prod',
        labels: { 'backstage.io/kubernetes-id': 'new-svc' },
      },
      spec: {
        project: 'onboarding',
        source: {
          repoURL: 'http://git/new-svc.git',
          path: 'deploy',
          targetRevision: 'main',
        },
        destination: { server: prodEu().url, namespace: 'new' },
      },
    });
    expect(created.status).toBe(200);
    check('v1alpha1Application', created.body);
    expectCrdShape(created.body);

    // With automated sync it deploys at once, and its workload appears.
    const auto = await call('POST', '/api/v1/applications', {
      metadata: {
        name: 'auto-svc-prod',
        labels: {
          'backstage.io/kubernetes-id': 'auto-svc',
          'portolan.dev/environment': 'prod',
        },
      },
      spec: {
        project: 'onboarding',
        source: {
          repoURL: 'http://git/auto-svc.git',
          path: 'deploy/overlays/prod',
          targetRevision: 'main',
        },
        destination: { server: prodEu().url, namespace: 'fresh' },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    });
    expect(auto.body.status.operationState.phase).toBe('Running');
    sandbox.clock.advance(61_000);
    sandbox.tick();
    const deployed = await call('GET', '/api/v1/applications/auto-svc-prod');
    expect(deployed.body.status).toMatchObject({
      sync: { status: 'Synced' },
      health: { status: 'Healthy' },
    });
    const workloads = await sandboxFetch(sandbox.info)(
      `${
        prodEu().url
      }/apis/apps/v1/namespaces/fresh/deployments?labelSelector=backstage.io/kubernetes-id%3Dauto-svc`,
      {
        headers: { Authorization: `Bearer ${prodEu().token}` },
      },
    ).then(r => r.json() as any);
    expect(workloads.items.map((d: any) => d.metadata.name)).toEqual([
      'auto-svc',
    ]);

    // checkout-service-prod is synced by hand (no automated sync policy).
    const synced = await call(
      'POST',
      '/api/v1/applications/checkout-service-prod/sync',
      {},
    );
    check('v1alpha1Application', synced.body);
    expect(synced.body.status.operationState.phase).toBe('Running');
    const busy = await call(
      'POST',
      '/api/v1/applications/checkout-service-prod/sync',
      {},
    );
    expect(busy).toEqual({
      status: 400,
      body: {
        error: 'another operation is already in progress',
        code: 9,
        message: 'another operation is already in progress',
      },
    });
    const terminated = await call(
      'DELETE',
      '/api/v1/applications/checkout-service-prod/operation',
    );
    expect(terminated.status).toBe(200);
    const after = await call(
      'GET',
      '/api/v1/applications/checkout-service-prod',
    );
    expect(after.body.status.operationState.phase).toBe('Failed');

    const { id, revision } = after.body.status.history[0];
    const rolled = await call(
      'POST',
      '/api/v1/applications/checkout-service-prod/rollback',
      { id },
    );
    expect(rolled.status).toBe(200);
    expect(rolled.body.status.operationState).toMatchObject({
      phase: 'Succeeded',
      operation: { initiatedBy: { username: 'admin' } },
    });
    expect(rolled.body.status.sync.revision).toBe(revision);
    const history = rolled.body.status.history;
    expect(history[history.length - 1]).toMatchObject({
      id: after.body.status.history[9].id + 1,
      revision,
    });
  });

  it('answers bad requests the way Argo CD does', async () => {
    const noToken = await call('GET', '/api/v1/applications', undefined, false);
    expect(noToken).toEqual({
      status: 401,
      body: {
        error: 'no session information',
        code: 16,
        message: 'no session information',
      },
    });
    const badLogin = await call(
      'POST',
      '/api/v1/session',
      { username: 'admin', password: 'x' },
      false,
    );
    expect(badLogin.status).toBe(401);
    expect(badLogin.body.code).toBe(16);
    check('runtimeError', badLogin.body);
    const badJson = await call('POST', '/api/v1/applications', '{"metadata":');
    expect(badJson.status).toBe(400);
    expect(badJson.body.code).toBe(3);
    // List wraps the selector parser's error without a gRPC code: Unknown, 500.
    const badSelector = await call(
      'GET',
      '/api/v1/applications?selector=%3D%3Dx',
    );
    expect(badSelector.status).toBe(500);
    expect(badSelector.body).toMatchObject({
      code: 2,
      message: expect.stringMatching(/^error parsing the selector: /),
    });
  });

  it('is reproducible: same seed and clock, same world', async () => {
    const other = await startTestSandbox({ historyLimit: 10 });
    try {
      const a = sandbox.world.apps.find(x => x.name === 'web-shop-dev')!;
      const b = other.world.apps.find(x => x.name === 'web-shop-dev')!;
      expect(b.deploys.slice(0, 20)).toEqual(a.deploys.slice(0, 20));
      expect(a.deploys.length).toBeGreaterThan(60);
    } finally {
      await other.stop();
    }
  });
});
