// Service pages (issue 4): live environments from the sandbox's Argo CD,
// pods and the Rollout from its Kubernetes, and the way to the cluster page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  api,
  baseUrl,
  eventually,
  guestToken,
  launchBrowser,
  screenshot,
  signedInAs,
  signedInPage,
  userToken,
} from '../lib.mjs';

describe('service pages', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('shows where a service runs, live, and leads to the cluster page', async () => {
    const page = await signedInPage(
      browser,
      '/catalog/default/component/checkout-service',
    );
    await page
      .getByRole('link', { name: 'checkout-service-prod' })
      .waitFor({ timeout: 60_000 });
    for (const env of ['dev', 'staging', 'prod']) {
      await page.getByText(env, { exact: true }).first().waitFor();
    }
    assert.ok((await page.getByText('Synced').count()) >= 3);
    assert.ok((await page.getByText('Healthy').count()) >= 3);
    // The deployed revision's commit author is shown.
    await page
      .getByText(/ · .* ago$/)
      .first()
      .waitFor();
    await screenshot(page, 'service-environments');

    // Environments link to the cluster page, which lists its services.
    await page.getByRole('link', { name: 'Production EU' }).first().click();
    await page.getByText('Services on prod-eu').waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'checkout-service-prod' }).waitFor();
    await screenshot(page, 'cluster-page');
    await page.context().close();
  });

  it('lists the deployment history ingested from Argo CD', async () => {
    const path = '/catalog/default/component/checkout-service/deployments';
    const page = await signedInPage(browser, path);
    // Ingestion runs every minute from start-up, and its first cycle may
    // come before the catalog has processed the services: reload until the
    // history is there.
    await eventually(
      async () => {
        await page.goto(`${baseUrl}${path}`);
        await page
          .getByText(/From Argo CD history · updated/)
          .waitFor({ timeout: 20_000 });
        const rows = await page.getByText('succeeded', { exact: true }).count();
        assert.ok(rows > 5, `only ${rows} succeeded deployments shown`);
      },
      { timeoutMs: 150_000, intervalMs: 5_000 },
    );
    await page.getByRole('button', { name: 'Older deployments' }).waitFor();
    await screenshot(page, 'deployments-tab');
    await page.context().close();
  });

  it('shows pods per cluster on the Kubernetes tab', async () => {
    const page = await signedInPage(
      browser,
      '/catalog/default/component/checkout-service/kubernetes',
    );
    await page.getByText('prod-eu').first().waitFor({ timeout: 60_000 });
    // prod-eu runs 5 replicas (one more while a canary is in flight), dev
    // and staging 2 each.
    await page
      .getByText(/^[56] pods$/)
      .first()
      .waitFor({ timeout: 30_000 });
    await page.getByText('2 pods').first().waitFor();
    await screenshot(page, 'kubernetes-tab');
    await page.context().close();
  });

  it('reports Argo CD apps and annotations that do not match, to admins', async () => {
    // The report names every team's apps: admins only.
    assert.equal(
      (await api('/api/catalog/portolan/argocd-report', await guestToken()))
        .status,
      403,
    );
    const token = await userToken('margaret.hamilton');
    const res = await api('/api/catalog/portolan/argocd-report', token);
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.instances.map(i => [i.instance, i.ok]),
      [
        ['argocd-nonprod', true],
        ['argocd-prod', true],
      ],
    );
    // Every demo app is claimed by exactly one service; the e2e fixture claims none.
    assert.deepEqual(res.body.unclaimedApps, []);
    assert.deepEqual(res.body.contestedApps, []);
    // The admin page shows the same.
    const page = await signedInAs(
      browser,
      'margaret.hamilton',
      '/argocd-report',
    );
    await page
      .getByText('Every Argo CD app belongs to a catalog entity.')
      .waitFor({ timeout: 60_000 });
    await page.getByText(/argocd-prod: \d+ apps/).waitFor();
    await screenshot(page, 'argocd-report');
    await page.context().close();
  });
});
