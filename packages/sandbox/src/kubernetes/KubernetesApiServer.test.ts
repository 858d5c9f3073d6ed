import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { sandboxFetch, startTestSandbox } from '../testing';
import { RESOURCE_TYPES } from './resources';

const specs = path.resolve(
  __dirname,
  '../../../../../shared/specs/argo-rollouts',
);

// Schema compilation and the sandbox's start take seconds on a busy 2-core machine.
jest.setTimeout(30_000);

describe('Kubernetes stand-in API server, as kube-apiserver answers', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let kube: { url: string; token: string };
  const call = async (
    p: string,
    init: {
      method?: string;
      headers?: Record<string, string>;
      body?: unknown;
    } = {},
  ) => {
    const res = await sandboxFetch(sandbox.info)(`${kube.url}${p}`, {
      method: init.method,
      headers: { Authorization: `Bearer ${kube.token}`, ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: text ? JSON.parse(text) : undefined,
    };
  };
  const rolloutPath =
    '/apis/argoproj.io/v1alpha1/namespaces/payments/rollouts/checkout-service';
  const mergePatch = (p: string, body: unknown) =>
    call(p, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body,
    });

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    kube = sandbox.info.kubernetes.find(c => c.name === 'prod-eu')!;
  });
  afterAll(() => sandbox.stop());

  it('serves TLS only, with a certificate a client without the sandbox CA refuses', async () => {
    expect(kube.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const untrusted = await fetch(`${kube.url}/version`).then(
      () => 'answered',
      e => String(e.cause?.code ?? e.cause ?? e),
    );
    expect(untrusted).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i,
    );
    expect(sandbox.info.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    // /version is public (system:public-info-viewer); the rest needs the token.
    const version = await sandboxFetch(sandbox.info)(`${kube.url}/version`);
    expect(await version.json()).toMatchObject({ major: '1', minor: '32' });
  });

  it('legacy discovery: APIResourceList entries with singularName, namespaced, kind, verbs, shortNames, categories and subresources', async () => {
    const core = await call('/api/v1');
    const pods = core.body.resources.find((r: any) => r.name === 'pods');
    expect(pods).toEqual({
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      verbs: ['create', 'get', 'list', 'patch'],
      shortNames: ['po'],
      categories: ['all'],
    });
    expect(core.body.resources.map((r: any) => r.name)).toEqual(
      expect.arrayContaining([
        'pods/status',
        'pods/log',
        'services',
        'events',
        'namespaces',
      ]),
    );
    expect(
      core.body.resources.find((r: any) => r.name === 'namespaces').namespaced,
    ).toBe(false);
    const argo = await call('/apis/argoproj.io/v1alpha1');
    expect(argo.body).toMatchObject({
      kind: 'APIResourceList',
      groupVersion: 'argoproj.io/v1alpha1',
    });
    expect(
      argo.body.resources.find((r: any) => r.name === 'rollouts'),
    ).toMatchObject({
      singularName: 'rollout',
      shortNames: ['ro'],
      kind: 'Rollout',
    });
    expect(
      argo.body.resources.find((r: any) => r.name === 'analysisruns')
        .shortNames,
    ).toEqual(['ar']);
    const apps = await call('/apis/apps/v1');
    expect(
      Object.fromEntries(
        apps.body.resources
          .filter((r: any) => r.shortNames)
          .map((r: any) => [r.name, r.shortNames[0]]),
      ),
    ).toMatchObject({
      deployments: 'deploy',
      replicasets: 'rs',
    });
    const groups = await call('/apis');
    expect(groups.body.groups.map((g: any) => g.name)).toEqual(
      expect.arrayContaining([
        'apps',
        'argoproj.io',
        'networking.k8s.io',
        'autoscaling',
        'authorization.k8s.io',
      ]),
    );
    const missing = await call('/apis/argoproj.io/v1');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      code: 404,
    });
  });

  it('aggregated discovery (apidiscovery.k8s.io/v2) when the client asks for it, as kubectl ≥ 1.26 does', async () => {
    const accept =
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
    const apis = await call('/apis', { headers: { Accept: accept } });
    expect(apis.type).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    const argo = apis.body.items.find(
      (i: any) => i.metadata.name === 'argoproj.io',
    );
    expect(
      argo.versions[0].resources.find((r: any) => r.resource === 'rollouts'),
    ).toMatchObject({
      scope: 'Namespaced',
      singularResource: 'rollout',
      shortNames: ['ro'],
      responseKind: {
        group: 'argoproj.io',
        version: 'v1alpha1',
        kind: 'Rollout',
      },
      subresources: [{ subresource: 'status', verbs: ['get', 'patch'] }],
    });
    const core = await call('/api', { headers: { Accept: accept } });
    expect(core.body.items).toHaveLength(1);
    expect(
      core.body.items[0].versions[0].resources.map((r: any) => r.resource),
    ).toContain('pods');
  });

  it("prints Rollouts and AnalysisRuns with their CRDs' additionalPrinterColumns", () => {
    for (const [plural, file] of [
      ['rollouts', 'rollout-crd.yaml'],
      ['analysisruns', 'analysis-run-crd.yaml'],
    ]) {
      const crd = YAML.parse(fs.readFileSync(path.join(specs, file), 'utf8'));
      const printer = crd.spec.versions.find(
        (v: any) => v.name === 'v1alpha1',
      ).additionalPrinterColumns;
      const type = RESOURCE_TYPES.find(t => t.plural === plural)!;
      expect(
        type.columns.map(c => ({
          name: c.name,
          type: c.type,
          description: c.description,
        })),
      ).toEqual(
        printer.map((c: any) => ({
          name: c.name,
          type: c.type,
          description: c.description,
        })),
      );
      expect(type.shortNames).toEqual(crd.spec.names.shortNames);
      expect(type.singular).toBe(crd.spec.names.singular);
    }
  });

  it('answers a Table when asked (Accept: as=Table;v=v1;g=meta.k8s.io): Name first, priority > 0 for -o wide, PartialObjectMetadata rows', async () => {
    const table =
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const pods = await call(
      '/api/v1/namespaces/payments/pods?labelSelector=backstage.io/kubernetes-id%3Dcheckout-service',
      { headers: { Accept: table } },
    );
    expect(pods.body).toMatchObject({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
    });
    expect(
      pods.body.columnDefinitions.map((c: any) => [c.name, c.priority]),
    ).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ]);
    expect(pods.body.rows).toHaveLength(5);
    expect(pods.body.rows[0].cells.slice(1, 4)).toEqual([
      '1/1',
      'Running',
      '0',
    ]);
    expect(pods.body.rows[0].object).toMatchObject({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { namespace: 'payments' },
    });
    const one = await call(`${rolloutPath}?includeObject=Object`, {
      headers: { Accept: table },
    });
    expect(one.body.rows).toHaveLength(1);
    expect(one.body.rows[0].cells.slice(0, 5)).toEqual([
      'checkout-service',
      5,
      5,
      5,
      5,
    ]);
    expect(one.body.rows[0].object.kind).toBe('Rollout');
    const plain = await call(rolloutPath, {
      headers: { Accept: 'application/json' },
    });
    expect(plain.body.kind).toBe('Rollout');
    const refused = await call(rolloutPath, {
      headers: { Accept: 'application/yaml' },
    });
    expect(refused.status).toBe(406);
    expect(refused.body).toMatchObject({
      kind: 'Status',
      reason: 'NotAcceptable',
    });
  });

  it('SelfSubjectAccessReview answers for the token: allowed for what the server serves, not for the rest', async () => {
    const review = (resourceAttributes: object) =>
      call('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes },
        },
      });
    const allowed = await review({
      namespace: 'payments',
      verb: 'patch',
      group: 'argoproj.io',
      resource: 'rollouts',
      subresource: 'status',
    });
    expect(allowed.status).toBe(201);
    expect(allowed.body).toMatchObject({
      kind: 'SelfSubjectAccessReview',
      status: { allowed: true },
    });
    expect(
      (await review({ verb: 'delete', resource: 'pods' })).body.status.allowed,
    ).toBe(false);
    expect(
      (await review({ verb: 'get', group: 'apps', resource: 'nosuchthings' }))
        .body.status.allowed,
    ).toBe(false);
    const invalid = await call(
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: { spec: {} },
      },
    );
    expect(invalid.status).toBe(422);
    expect(invalid.body.reason).toBe('Invalid');
  });

  it('409 Conflict (a Status with reason Conflict) for a stale metadata.resourceVersion in a patch body; no-op patches write nothing', async () => {
    const before = (await call(rolloutPath)).body;
    const changed = await mergePatch(rolloutPath, {
      metadata: {
        resourceVersion: before.metadata.resourceVersion,
        labels: { team: 'payments' },
      },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.metadata.generation).toBe(before.metadata.generation); // metadata only: same generation
    const stale = await mergePatch(rolloutPath, {
      metadata: { resourceVersion: before.metadata.resourceVersion },
      spec: { paused: true },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on rollouts.argoproj.io "checkout-service": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: {
        name: 'checkout-service',
        group: 'argoproj.io',
        kind: 'rollouts',
      },
      code: 409,
    });
    const noop = await mergePatch(rolloutPath, {
      metadata: { labels: { team: 'payments' } },
    });
    expect(noop.body.metadata.resourceVersion).toBe(
      changed.body.metadata.resourceVersion,
    );
    // A spec change is a new generation; the status subresource changes status only.
    const spec = await mergePatch(rolloutPath, {
      spec: { paused: true },
      status: { phase: 'Ignored' },
    });
    expect(spec.body.metadata.generation).toBe(before.metadata.generation + 1);
    expect(spec.body.status.phase).toBe(before.status.phase);
    const status = await mergePatch(`${rolloutPath}/status`, {
      spec: { paused: false },
      status: { abort: true },
    });
    expect(status.body).toMatchObject({
      spec: { paused: true },
      status: { abort: true },
    });
    await mergePatch(`${rolloutPath}/status`, { status: { abort: null } });
    await mergePatch(rolloutPath, { spec: { paused: null } });
    const strategic = await call(rolloutPath, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
      body: {},
    });
    expect(strategic.status).toBe(415);
  });

  it('events: the Rollouts controller records what it does, listed by involvedObject field selectors as kubectl describe asks', async () => {
    const app = sandbox.world.apps.find(
      a => a.name === 'checkout-service-prod',
    )!;
    sandbox.world.startDeploy(
      app,
      sandbox.clock.now(),
      'ci-bot',
      'ab'.padEnd(40, '4'),
    );
    sandbox.clock.advance(1000);
    sandbox.tick();
    const rollout = (await call(rolloutPath)).body;
    const selector = encodeURIComponent(
      `involvedObject.name=checkout-service,involvedObject.namespace=payments,involvedObject.kind=Rollout,involvedObject.uid=${rollout.metadata.uid}`,
    );
    const events = (
      await call(`/api/v1/namespaces/payments/events?fieldSelector=${selector}`)
    ).body;
    expect(events.kind).toBe('EventList');
    expect(events.items.map((e: any) => [e.type, e.reason, e.message])).toEqual(
      [
        ['Normal', 'RolloutUpdated', 'Rollout updated to revision 2'],
        [
          'Normal',
          'NewReplicaSetCreated',
          'Created ReplicaSet checkout-service-ab44444444 (revision 2)',
        ],
        [
          'Normal',
          'RolloutStepCompleted',
          'Rollout step 1/6 completed (setWeight: 20)',
        ],
        ['Normal', 'RolloutPaused', 'Rollout is paused (CanaryPauseStep)'],
      ],
    );
    expect(events.items[0]).toMatchObject({
      source: { component: 'rollouts-controller' },
      count: 1,
      involvedObject: { kind: 'Rollout', name: 'checkout-service' },
    });
    const unsupported = await call(
      `/api/v1/namespaces/payments/events?fieldSelector=${encodeURIComponent(
        'spec.foo=bar',
      )}`,
    );
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.message).toBe(
      'field label not supported: spec.foo',
    );
  });

  it('pod logs: tailLines, and a Status for a missing pod or container', async () => {
    const pods = (
      await call(
        '/api/v1/namespaces/payments/pods?labelSelector=backstage.io/kubernetes-id%3Dinvoice-service',
      )
    ).body.items;
    const name = pods[0].metadata.name;
    const res = await sandboxFetch(sandbox.info)(
      `${kube.url}/api/v1/namespaces/payments/pods/${name}/log?tailLines=2`,
      {
        headers: { Authorization: `Bearer ${kube.token}` },
      },
    );
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect((await res.text()).trim().split('\n')).toHaveLength(2);
    expect(
      (await call('/api/v1/namespaces/payments/pods/nope/log')).body,
    ).toMatchObject({ reason: 'NotFound', message: 'pods "nope" not found' });
    expect(
      (
        await call(
          `/api/v1/namespaces/payments/pods/${name}/log?container=sidecar`,
        )
      ).status,
    ).toBe(400);
  });
});
