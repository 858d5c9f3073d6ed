import Ajv from 'ajv-draft-04';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import AjvV8 from 'ajv';
import { startTestSandbox } from '../testing';

const swagger = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../../../shared/specs/argocd/swagger.json'), 'utf8'),
);
const crd = YAML.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../../../shared/specs/argocd/application-crd.yaml'), 'utf8'),
);

// Swagger 2 definitions are JSON Schema draft 4 with extra keywords.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
function check(definition: string, body: unknown) {
  if (!compiled.has(definition)) {
    compiled.set(
      definition,
      ajv.compile({ definitions: swagger.definitions, $ref: `#/definitions/${definition}` }),
    );
  }
  const validate = compiled.get(definition)!;
  expect({ definition, valid: validate(body), errors: validate.errors ?? null }).toEqual({
    definition,
    valid: true,
    errors: null,
  });
}
const crdSchema = crd.spec.versions.find((v: any) => v.name === 'v1alpha1').schema.openAPIV3Schema;
const validateCrd = new AjvV8({ strict: false, allErrors: true, validateFormats: false }).compile(crdSchema);

describe('Argo CD stand-in', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let base: string;
  let token: string;
  const call = async (method: string, p: string, body?: unknown, auth = true) => {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: {
        'Content-Type': 'application/json',
        ...(auth ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    sandbox = await startTestSandbox({ historyLimit: 10 });
    base = sandbox.info.argocd.find(a => a.name === 'argocd-prod')!.url;
    const session = await call('POST', '/api/v1/session', { username: 'admin', password: 'portolan-sandbox' }, false);
    check('sessionSessionResponse', session.body);
    token = session.body.token;
  });
  afterAll(() => sandbox.stop());

  it('lists applications by label selector, valid against the swagger and the CRD', async () => {
    const res = await call('GET', '/api/v1/applications?selector=backstage.io/kubernetes-id%3Dcheckout-service');
    expect(res.status).toBe(200);
    check('v1alpha1ApplicationList', res.body);
    expect(res.body.items.map((a: any) => a.metadata.name)).toEqual(['checkout-service-prod']);
    const app = res.body.items[0];
    expect(validateCrd(app) ? null : validateCrd.errors).toBeNull();
    // History is capped at the app's revisionHistoryLimit, like Argo CD.
    expect(app.status.history).toHaveLength(10);
    expect(app.spec.destination.server).toBe(sandbox.info.kubernetes.find(k => k.name === 'prod-eu')!.url);
  });

  it('answers every read route with spec-shaped bodies', async () => {
    const app = await call('GET', '/api/v1/applications/checkout-service-prod');
    check('v1alpha1Application', app.body);
    const tree = await call('GET', '/api/v1/applications/checkout-service-prod/resource-tree');
    check('v1alpha1ApplicationTree', tree.body);
    const revision = app.body.status.history[0].revision;
    const meta = await call('GET', `/api/v1/applications/checkout-service-prod/revisions/${revision}/metadata`);
    check('v1alpha1RevisionMetadata', meta.body);
    expect(meta.body.author).toMatch(/<.+@.+>/);
    const projects = await call('GET', '/api/v1/projects');
    check('v1alpha1AppProjectList', projects.body);
    const project = await call('GET', '/api/v1/projects/payments');
    check('v1alpha1AppProject', project.body);
  });

  it('creates projects and apps, syncs, rolls back and terminates', async () => {
    const project = await call('POST', '/api/v1/projects', { project: { metadata: { name: 'onboarding' }, spec: {} } });
    expect(project.status).toBe(200);
    check('v1alpha1AppProject', project.body);
    const created = await call('POST', '/api/v1/applications', {
      metadata: { name: 'new-svc-dev', labels: { 'backstage.io/kubernetes-id': 'new-svc' } },
      spec: {
        project: 'onboarding',
        source: { repoURL: 'http://git/new-svc.git', path: 'deploy', targetRevision: 'main' },
        destination: { server: sandbox.info.kubernetes[0].url, namespace: 'new' },
      },
    });
    expect(created.status).toBe(200);
    check('v1alpha1Application', created.body);
    const again = await call('POST', '/api/v1/applications', created.body);
    expect(again.status).toBe(400);

    // With automated sync it deploys at once, and its workload appears.
    const auto = await call('POST', '/api/v1/applications', {
      metadata: { name: 'auto-svc-dev', labels: { 'backstage.io/kubernetes-id': 'auto-svc', 'portolan.dev/environment': 'dev' } },
      spec: {
        project: 'onboarding',
        source: { repoURL: 'http://git/auto-svc.git', path: 'deploy/overlays/dev', targetRevision: 'main' },
        destination: { server: sandbox.info.kubernetes[0].url, namespace: 'fresh' },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    });
    expect(auto.body.status.operationState.phase).toBe('Running');
    sandbox.clock.advance(61_000);
    sandbox.tick();
    const deployed = await call('GET', '/api/v1/applications/auto-svc-dev');
    expect(deployed.body.status).toMatchObject({ sync: { status: 'Synced' }, health: { status: 'Healthy' } });
    const kube = sandbox.info.kubernetes[0];
    const workloads = await fetch(`${kube.url}/apis/apps/v1/namespaces/fresh/deployments?labelSelector=backstage.io/kubernetes-id%3Dauto-svc`, {
      headers: { Authorization: `Bearer ${kube.token}` },
    }).then(r => r.json() as any);
    expect(workloads.items.map((d: any) => d.metadata.name)).toEqual(['auto-svc']);

    const synced = await call('POST', '/api/v1/applications/checkout-service-prod/sync', {});
    check('v1alpha1Application', synced.body);
    expect(synced.body.status.operationState.phase).toBe('Running');
    const busy = await call('POST', '/api/v1/applications/checkout-service-prod/sync', {});
    expect(busy.status).toBe(400);
    const terminated = await call('DELETE', '/api/v1/applications/checkout-service-prod/operation');
    expect(terminated.status).toBe(200);
    const after = await call('GET', '/api/v1/applications/checkout-service-prod');
    expect(after.body.status.operationState.phase).toBe('Failed');

    const id = after.body.status.history[0].id;
    const rolled = await call('POST', '/api/v1/applications/checkout-service-prod/rollback', { id });
    expect(rolled.status).toBe(200);
    expect(rolled.body.status.operationState.phase).toBe('Succeeded');
    expect(rolled.body.status.sync.revision).toBe(after.body.status.history[0].revision);
  });

  it('answers bad requests the way Argo CD does', async () => {
    const noToken = await call('GET', '/api/v1/applications', undefined, false);
    expect(noToken).toEqual({
      status: 401,
      body: { error: 'no session information', code: 16, message: 'no session information' },
    });
    const badLogin = await call('POST', '/api/v1/session', { username: 'admin', password: 'x' }, false);
    expect(badLogin.status).toBe(401);
    expect(badLogin.body.code).toBe(16);
    const missing = await call('GET', '/api/v1/applications/nope');
    expect(missing).toEqual({
      status: 404,
      body: {
        error: 'applications.argoproj.io "nope" not found',
        code: 5,
        message: 'applications.argoproj.io "nope" not found',
      },
    });
    const badJson = await call('POST', '/api/v1/applications', '{"metadata":');
    expect(badJson.status).toBe(400);
    expect(badJson.body.code).toBe(3);
    const badSelector = await call('GET', '/api/v1/applications?selector=%3D%3Dx');
    expect(badSelector.status).toBe(400);
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
