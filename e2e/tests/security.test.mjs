// Security (issue 10): the attacks a signed-in user could make, played as
// real HTTP requests against the running portal and its sandbox — as guest,
// as a member of another team, as an owner and as an admin — checking the
// answer AND that nothing changed upstream.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  baseUrl,
  eventually,
  guestToken,
  launchBrowser,
  sandboxInfo,
  screenshot,
  signedInAs,
  userToken,
} from '../lib.mjs';

const OWNER = 'barbara.liskov'; // team-payments: owns payment-gateway, checkout-service
const OUTSIDER = 'grace.hopper'; // team-storefront: owns web-shop
const ADMIN = 'margaret.hamilton'; // portolan-admins

/** A Kubernetes API request to a sandbox cluster, verifying its CA when it serves TLS. */
function kube(cluster, path, { method = 'GET', body, contentType } = {}) {
  const url = new URL(path, cluster.url);
  const tls = url.protocol === 'https:';
  const ca = sandboxInfo().ca;
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(
      url,
      {
        method,
        ...(tls && ca ? { ca } : {}),
        headers: {
          Authorization: `Bearer ${cluster.token}`,
          Accept: 'application/json',
          ...(body
            ? { 'Content-Type': contentType ?? 'application/json' }
            : {}),
        },
      },
      res => {
        let text = '';
        res.on('data', c => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            body: text ? JSON.parse(text) : undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

async function call(path, token, { method = 'GET', body, headers = {} } = {}) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text };
}

describe('security: no signed-in user reaches beyond what they own', () => {
  let sandbox;
  let prod;
  let tokens;
  const rolloutPath =
    '/apis/argoproj.io/v1alpha1/namespaces/payments/rollouts/payment-gateway';
  const rollout = async () => {
    const res = await kube(prod, rolloutPath);
    assert.equal(res.status, 200);
    return res.body;
  };

  before(async () => {
    sandbox = sandboxInfo();
    prod = sandbox.kubernetes.find(k => k.name === 'prod-eu');
    // Users sign in once the catalog has them (right after start-up it may not yet).
    tokens = await eventually(async () => ({
      guest: await guestToken(),
      owner: await userToken(OWNER),
      outsider: await userToken(OUTSIDER),
      admin: await userToken(ADMIN),
    }));
  });
  after(() => {});

  it('closes the Kubernetes proxy: no abort of a prod Rollout through it, for anyone, and the Rollout is unchanged', async () => {
    const before = await rollout();
    for (const who of ['guest', 'outsider', 'owner', 'admin']) {
      for (const [method, path, body] of [
        [
          'PATCH',
          `/api/kubernetes/proxy${rolloutPath}/status`,
          { status: { abort: true } },
        ],
        [
          'PATCH',
          `/api/kubernetes/proxy${rolloutPath}`,
          { spec: { paused: true } },
        ],
        [
          'DELETE',
          '/api/kubernetes/proxy/api/v1/namespaces/payments/pods/payment-gateway-0',
          undefined,
        ],
        [
          'GET',
          '/api/kubernetes/proxy/api/v1/namespaces/kube-system/secrets',
          undefined,
        ],
      ]) {
        const res = await call(path, tokens[who], {
          method,
          body,
          headers: {
            'Backstage-Kubernetes-Cluster': 'prod-eu',
            'Content-Type': 'application/merge-patch+json',
          },
        });
        assert.equal(
          res.status,
          403,
          `${who} ${method} ${path}: ${res.status} ${res.text}`,
        );
      }
    }
    const after = await rollout();
    assert.equal(
      after.metadata.resourceVersion,
      before.metadata.resourceVersion,
    );
    assert.notEqual(after.status.abort, true);
  });

  it('keeps the Kubernetes tab reading (its own read routes stay open)', async () => {
    const res = await call(
      '/api/kubernetes/services/payment-gateway',
      tokens.outsider,
      {
        method: 'POST',
        body: {
          entity: {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name: 'payment-gateway',
              annotations: { 'backstage.io/kubernetes-id': 'payment-gateway' },
            },
          },
        },
      },
    );
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.items.length > 0);
  });

  it("shows a pod's log in the Kubernetes tab through the read-only route, with the proxy closed", async () => {
    const browser = await launchBrowser();
    try {
      const page = await signedInAs(
        browser,
        OWNER,
        '/catalog/default/component/checkout-service/kubernetes',
      );
      await page.getByText('prod-eu').first().click();
      // The Rollout's pods (its pod count comes after dev's, staging's and
      // prod-eu's), then one pod's drawer, then its logs.
      await page
        .getByText(/^\d+ pods$/)
        .nth(3)
        .click();
      await page
        .getByText(/^checkout-service-[0-9a-f]+-[0-9a-f]+$/)
        .first()
        .click();
      await page.getByRole('button', { name: /logs/i }).first().click();
      await page
        .getByText(/checkout-service handled GET/)
        .first()
        .waitFor({ timeout: 30_000 });
      await screenshot(page, 'kubernetes-pod-logs');
    } finally {
      await browser.close();
    }
    // The same log is refused for a pod of another team's service.
    const all = await kube(prod, '/api/v1/pods');
    const foreign = all.body.items.find(
      p => p.metadata.namespace !== 'payments',
    );
    const res = await call(
      `/api/delivery/clusters/prod-eu/namespaces/${foreign.metadata.namespace}/pods/${foreign.metadata.name}/log`,
      tokens.owner,
    );
    // Reads are broad: another team's pod is readable too, but never a pod no service claims.
    assert.ok([200, 404].includes(res.status), `${res.status}`);
    const system = await call(
      '/api/delivery/clusters/prod-eu/namespaces/kube-system/pods/coredns-0/log',
      tokens.owner,
    );
    assert.equal(system.status, 404);
  });

  it('keeps catalog writes for admins: registering, refreshing and deleting are refused to everyone else', async () => {
    const location = {
      type: 'url',
      target: 'https://github.com/evil/repo/blob/main/catalog-info.yaml',
    };
    const paymentGateway = (
      await call(
        '/api/catalog/entities/by-name/component/default/payment-gateway',
        tokens.owner,
      )
    ).body;
    assert.ok(paymentGateway?.metadata?.uid);
    // The demo catalog comes from an entity provider; a location id to try to delete.
    const someLocation = { id: '3f0e7c1a-8c55-4f5e-9d7b-2a4b6c8d0e1f' };
    for (const who of ['guest', 'outsider', 'owner']) {
      const register = await call('/api/catalog/locations', tokens[who], {
        method: 'POST',
        body: location,
      });
      assert.equal(
        register.status,
        403,
        `${who} register: ${register.status} ${register.text}`,
      );
      const dryRun = await call(
        '/api/catalog/locations?dryRun=true',
        tokens[who],
        { method: 'POST', body: location },
      );
      assert.equal(
        dryRun.status,
        403,
        `${who} dry-run register: ${dryRun.status}`,
      );
      const removeLocation = await call(
        `/api/catalog/locations/${someLocation.id}`,
        tokens[who],
        { method: 'DELETE' },
      );
      assert.equal(
        removeLocation.status,
        403,
        `${who} delete location: ${removeLocation.status}`,
      );
      const removeEntity = await call(
        `/api/catalog/entities/by-uid/${paymentGateway.metadata.uid}`,
        tokens[who],
        { method: 'DELETE' },
      );
      assert.equal(
        removeEntity.status,
        403,
        `${who} delete entity: ${removeEntity.status}`,
      );
      const refresh = await call('/api/catalog/refresh', tokens[who], {
        method: 'POST',
        body: { entityRef: 'component:default/payment-gateway' },
      });
      assert.equal(refresh.status, 403, `${who} refresh: ${refresh.status}`);
    }
    // Nothing was registered or removed.
    const still = await call(
      '/api/catalog/entities/by-name/component/default/payment-gateway',
      tokens.owner,
    );
    assert.equal(still.status, 200);
    assert.equal(still.body.metadata.uid, paymentGateway.metadata.uid);
    const locations = (await call('/api/catalog/locations', tokens.owner)).body;
    assert.ok(!locations.some(l => l.data.target === location.target));
    // An admin may refresh an entity.
    const adminRefresh = await call('/api/catalog/refresh', tokens.admin, {
      method: 'POST',
      body: { entityRef: 'component:default/payment-gateway' },
    });
    assert.equal(adminRefresh.status, 200, adminRefresh.text);
  });

  it("binds canary actions to the service's own rollouts: another team's rollout is a 404 and untouched", async () => {
    const all = await kube(prod, '/apis/argoproj.io/v1alpha1/rollouts');
    assert.equal(all.status, 200);
    const foreign = all.body.items.find(
      r => r.metadata.namespace !== 'payments',
    );
    assert.ok(foreign, 'the sandbox has rollouts of other teams in prod');
    const beforeForeign = foreign.metadata.resourceVersion;
    const path = `/api/delivery/entities/component/default/payment-gateway/rollouts/actions`;
    for (const target of [
      // Another team's rollout, named outright.
      { namespace: foreign.metadata.namespace, name: foreign.metadata.name },
      // Another team's rollout in the service's own namespace is still not its own.
      { namespace: 'payments', name: foreign.metadata.name },
      // A cluster that is not one of the service's.
      {
        cluster: 'no-such-cluster',
        namespace: 'payments',
        name: 'payment-gateway',
      },
    ]) {
      const res = await call(path, tokens.owner, {
        method: 'POST',
        body: {
          cluster: 'prod-eu',
          action: 'abort',
          resourceVersion: foreign.metadata.resourceVersion,
          ...target,
        },
      });
      assert.equal(
        res.status,
        404,
        `${JSON.stringify(target)}: ${res.status} ${res.text}`,
      );
      assert.match(
        res.body.error.message,
        /^component:default\/payment-gateway has no rollout /,
      );
    }
    const after = await kube(
      prod,
      `/apis/argoproj.io/v1alpha1/namespaces/${foreign.metadata.namespace}/rollouts/${foreign.metadata.name}`,
    );
    assert.equal(after.body.metadata.resourceVersion, beforeForeign);
  });

  it('refuses canary actions to another team (403) and to anonymous callers (401), rollout unchanged', async () => {
    const before = await rollout();
    const body = {
      cluster: 'prod-eu',
      namespace: 'payments',
      name: 'payment-gateway',
      action: 'abort',
      resourceVersion: before.metadata.resourceVersion,
    };
    const path =
      '/api/delivery/entities/component/default/payment-gateway/rollouts/actions';
    assert.equal(
      (await call(path, tokens.outsider, { method: 'POST', body })).status,
      403,
    );
    assert.equal(
      (await call(path, tokens.guest, { method: 'POST', body })).status,
      403,
    );
    assert.equal(
      (await call(path, undefined, { method: 'POST', body })).status,
      401,
    );
    assert.equal(
      (await rollout()).metadata.resourceVersion,
      before.metadata.resourceVersion,
    );
  });

  it("refuses Argo CD writes through Roadie's backend: the app is still there, unsynced by us", async () => {
    const argo = sandbox.argocd.find(a => a.name === 'argocd-prod');
    const get = () =>
      fetch(`${argo.url}/api/v1/applications/payment-gateway-prod`, {
        headers: { Authorization: `Bearer ${argo.token}` },
      }).then(r => r.json());
    const before = await get();
    for (const [method, path] of [
      [
        'DELETE',
        '/api/argocd/argoInstance/argocd-prod/applications/payment-gateway-prod',
      ],
      ['POST', '/api/argocd/sync'],
      ['POST', '/api/argocd/createArgo'],
    ]) {
      const res = await call(path, tokens.admin, {
        method,
        body: { appName: 'payment-gateway-prod' },
      });
      assert.equal(res.status, 403, `${method} ${path}: ${res.status}`);
    }
    const after = await get();
    assert.equal(after.metadata.name, 'payment-gateway-prod');
    assert.equal(
      after.metadata.resourceVersion,
      before.metadata.resourceVersion,
    );
  });

  /** Runs a template through the scaffolder API as `token`, waits for its end. */
  async function runTemplate(token, templateRef, values) {
    const created = await call('/api/scaffolder/v2/tasks', token, {
      method: 'POST',
      body: { templateRef, values },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    for (let i = 0; i < 240; i++) {
      const task = await call(`/api/scaffolder/v2/tasks/${id}`, token);
      if (['completed', 'failed', 'cancelled'].includes(task.body.status)) {
        const events = await call(
          `/api/scaffolder/v2/tasks/${id}/events`,
          token,
        );
        const log = events.body.map(e => e.body?.message ?? '').join('\n');
        return { id, status: task.body.status, log };
      }
      await new Promise(r => setTimeout(r, 500));
    }
    throw new Error(`task ${id} did not finish`);
  }

  it("refuses onboarding for someone else's team: no repository, no Argo CD app, no catalog entry", async () => {
    const name = `e2e-sec-${Date.now().toString(36)}`;
    const run = await runTemplate(
      tokens.outsider,
      'template:default/new-typescript-service',
      {
        name,
        owner: 'group:default/team-payments',
        system: 'system:default/payments',
        description: 'Made by someone outside the team',
        environments: ['dev'],
      },
    );
    assert.equal(run.status, 'failed', run.log);
    assert.match(run.log, /team-payments/);
    const repo = await fetch(
      `${sandbox.git.url}/git/${name}.git/info/refs?service=git-upload-pack`,
      {
        headers: {
          Authorization: `Basic ${Buffer.from(
            `${sandbox.git.username}:${sandbox.git.password}`,
          ).toString('base64')}`,
        },
      },
    );
    assert.notEqual(repo.status, 200, 'no repository was created');
    const argo = sandbox.argocd.find(a => a.name === 'argocd-nonprod');
    const app = await fetch(`${argo.url}/api/v1/applications/${name}-dev`, {
      headers: { Authorization: `Bearer ${argo.token}` },
    });
    assert.notEqual(app.status, 200, 'no Argo CD app was created');
    assert.equal(
      (
        await call(
          `/api/catalog/entities/by-name/component/default/${name}`,
          tokens.admin,
        )
      ).status,
      404,
    );
    // Another user cannot cancel or read it: tasks are their initiator's.
    assert.equal(
      (await call(`/api/scaffolder/v2/tasks/${run.id}`, tokens.owner)).status,
      403,
    );
  });

  it("refuses 'Add an environment' on another team's service, and changes nothing in Argo CD", async () => {
    const argo = sandbox.argocd.find(a => a.name === 'argocd-prod');
    const listApps = async () =>
      (
        await fetch(`${argo.url}/api/v1/applications`, {
          headers: { Authorization: `Bearer ${argo.token}` },
        }).then(r => r.json())
      ).items
        .map(a => a.metadata.name)
        .sort();
    const before = await listApps();
    const run = await runTemplate(
      tokens.outsider,
      'template:default/add-environment',
      {
        service: 'component:default/fraud-detector',
        environment: 'prod',
      },
    );
    assert.equal(run.status, 'failed', run.log);
    assert.match(run.log, /fraud-detector/);
    assert.deepEqual(await listApps(), before);
  });

  it('keeps the Argo CD report for admins', async () => {
    assert.equal(
      (await call('/api/catalog/portolan/argocd-report', tokens.outsider))
        .status,
      403,
    );
    const res = await call('/api/catalog/portolan/argocd-report', tokens.admin);
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.body.contestedApps));
  });
});
