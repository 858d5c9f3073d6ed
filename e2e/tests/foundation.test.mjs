// The portal foundation: sign-in, catalog, a service page, the sandbox
// label, and a malformed catalog file that harms nothing else.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  api,
  baseUrl,
  eventually,
  guestToken,
  launchBrowser,
  screenshot,
  signedInPage,
} from '../lib.mjs';

describe('portal foundation', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('rejects API calls without a token', async () => {
    const res = await fetch(`${baseUrl}/api/catalog/entities`);
    assert.equal(res.status, 401);
  });

  it('signs in as guest and lists the demo services in the catalog', async () => {
    const page = await signedInPage(browser);
    // The catalog is the landing page; services of every team are listed.
    await page
      .getByText('checkout-service')
      .first()
      .waitFor({ timeout: 60_000 });
    for (const name of ['web-shop', 'payment-gateway', 'auth-service']) {
      await page.getByText(name).first().waitFor();
    }
    assert.match(await page.title(), /Portolan/);
    // The sandbox label tells people the data is generated.
    const label = page.getByRole('status', { name: 'Sandbox data' });
    if (process.env.PORTOLAN_SANDBOX === '0') {
      assert.equal(await label.count(), 0);
    } else {
      await label.waitFor();
    }
    await screenshot(page, 'catalog');
    await page.context().close();
  });

  it('opens a service page with its owner, system and description', async () => {
    const page = await signedInPage(
      browser,
      '/catalog/default/component/checkout-service',
    );
    await page
      .getByText('Turns a cart into an order and takes the payment.')
      .waitFor({ timeout: 60_000 });
    // Owner and system are links to their own pages.
    await page
      .locator('a[href$="/catalog/default/group/team-payments"]')
      .first()
      .waitFor();
    await page
      .locator('a[href$="/catalog/default/system/payments"]')
      .first()
      .waitFor();
    await page.getByText('Runbook').first().waitFor();
    await screenshot(page, 'service-page');
    await page.context().close();
  });

  it('reports a malformed catalog file without affecting other entities', async () => {
    const token = await guestToken();
    // The good entity from the same Location is in the catalog...
    await eventually(async () => {
      const res = await api(
        '/api/catalog/entities/by-name/component/default/e2e-healthy-service',
        token,
      );
      assert.equal(res.status, 200);
    });
    // ...and each bad file is listed as a failed entity, with an error
    // naming that file (what the "Unprocessed entities" page shows).
    const failed = await eventually(async () => {
      // Never-processed entities are "pending", once-good ones "failed".
      const entries = [];
      for (const kind of ['failed', 'pending']) {
        const res = await api(
          `/api/catalog/entities/unprocessed/${kind}`,
          token,
        );
        assert.equal(res.status, 200);
        for (const e of res.body.entities) {
          if (!e.errors?.length) continue;
          const annotations = e.unprocessed_entity?.metadata?.annotations ?? {};
          entries.push({
            file: annotations['backstage.io/managed-by-location'] ?? '',
            errors: e.errors.map(err => err.message).join('\n'),
          });
        }
      }
      const broken = entries.find(e => e.file.endsWith('broken-yaml.yaml'));
      const invalid = entries.find(e => e.file.endsWith('invalid-entity.yaml'));
      assert.ok(broken && invalid, JSON.stringify(entries));
      return { broken, invalid, entries };
    });
    assert.match(failed.broken.errors, /YAML error at .*broken-yaml\.yaml/);
    assert.match(failed.invalid.errors, /Not A Valid Name/);
    // Only the two bad files failed.
    assert.equal(failed.entries.length, 2, JSON.stringify(failed.entries));
    // ...and neither broken entity was ingested, while the demo is intact.
    const components = await api(
      '/api/catalog/entities?filter=kind=component&fields=metadata.name',
      token,
    );
    const names = components.body.map(e => e.metadata.name);
    assert.ok(!names.includes('e2e-broken-yaml'));
    assert.ok(names.includes('checkout-service'));
    assert.equal(names.length, 15); // 13 demo services, the portal itself, the healthy fixture
  });
});
