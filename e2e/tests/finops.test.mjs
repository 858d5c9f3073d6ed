// FinOps cost cards (issue 14): the service page shows the Cost card with
// trend, forecast and budget; the deploy that doubled invoice-service's
// replicas in the sandbox shows as a cost jump attributed to it; the
// right-sizing table shows a saving; the owner sets a budget below the
// forecast and the team receives a notification.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  baseUrl,
  eventually,
  launchBrowser,
  sandboxInfo,
  screenshot,
  signedInAs,
  userToken,
} from '../lib.mjs';

const service = '/catalog/default/component/invoice-service';

async function get(path, token) {
  const res = await fetch(`${baseUrl}${path}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

describe('FinOps cost cards', () => {
  let browser;
  let token;
  before(async () => {
    browser = await launchBrowser();
    token = await userToken('barbara.liskov');
    // The first ingestion backfills 90 days from the sandbox's OpenCost.
    await eventually(
      async () => {
        const r = await get(
          '/api/finops/entities/component/default/invoice-service/costs',
          token,
        );
        assert.equal(r.status, 200);
        assert.ok(r.body.last30Days.total > 0, 'no costs ingested yet');
      },
      { timeoutMs: 180_000, intervalMs: 2000 },
    );
  });
  after(async () => {
    await browser?.close();
  });

  it('shows the cost card with trend, forecast, budget and the scale-out deploy as a cost jump', async () => {
    const scaleOut = sandboxInfo().opencost.scaleOuts.find(
      s => s.service === 'invoice-service',
    );
    assert.ok(scaleOut, 'the sandbox has a scale-out of invoice-service');
    const page = await signedInAs(browser, 'barbara.liskov', service);
    await page.getByTestId('cost-last-30-days').waitFor({ timeout: 60_000 });
    await page.getByTestId('cost-forecast').getByText(/80 %:/).waitFor();
    await page.getByTestId('cost-budget').waitFor();
    assert.ok(
      (await page.locator('.recharts-surface').count()) > 0,
      'a trend chart',
    );
    const jump = page.getByTestId('cost-jump').first();
    await jump.waitFor({ timeout: 30_000 });
    const text = await jump.innerText();
    assert.match(text, new RegExp(`since ${scaleOut.revision.slice(0, 7)}`));
    assert.match(text, /^\+\d+/);
    assert.match(text, /CPU requests/);
    await screenshot(page, 'finops-cost-card');
    await page.context().close();
  });

  it('shows a saving for an over-provisioned service in the right-sizing table', async () => {
    const services = [
      'checkout-service',
      'payment-gateway',
      'invoice-service',
      'fraud-detector',
      'cart-service',
      'search-service',
      'web-shop',
    ];
    let best;
    for (const name of services) {
      const r = await get(
        `/api/finops/entities/component/default/${name}/rightsizing`,
        token,
      );
      if (
        r.status === 200 &&
        (!best || r.body.totalMonthlySaving > best.saving)
      )
        best = { name, saving: r.body.totalMonthlySaving, rows: r.body.rows };
    }
    assert.ok(best.saving > 0, 'some service can save');
    const page = await signedInAs(
      browser,
      'barbara.liskov',
      `/catalog/default/component/${best.name}/costs`,
    );
    await page
      .getByText(/^Could save \$[\d,.]+ a month$/)
      .waitFor({ timeout: 60_000 });
    const top = best.rows[0];
    await page.getByText(`${top.namespace}/${top.workload}`).first().waitFor();
    await page.getByRole('columnheader', { name: 'Saving / month' }).waitFor();
    await screenshot(page, 'finops-rightsizing');
    await page.context().close();
  });

  it('lets the owner set a budget below the forecast, and notifies the team', async () => {
    const cost = (
      await get(
        '/api/finops/entities/component/default/invoice-service/costs',
        token,
      )
    ).body;
    const budget = Math.max(1, Math.floor(cost.forecast.monthEnd / 2));
    const page = await signedInAs(browser, 'barbara.liskov', service);
    await page
      .getByRole('button', { name: /Set budget|Change budget/ })
      .click();
    await page.getByLabel('Budget per month').fill('not a number');
    await page.getByRole('button', { name: 'Save budget' }).click();
    await page
      .getByText(/Invalid parameter 'amount'/)
      .waitFor({ timeout: 10_000 });
    await page.getByLabel('Budget per month').fill(String(budget));
    await page.getByRole('button', { name: 'Save budget' }).click();
    await page
      .getByTestId('cost-budget')
      .getByText('Forecast breaks the budget')
      .waitFor({ timeout: 30_000 });
    await screenshot(page, 'finops-budget-set');
    await page.context().close();

    await eventually(async () => {
      const r = await get('/api/notifications/notifications?limit=50', token);
      assert.equal(r.status, 200);
      const n = r.body.notifications.find(
        x =>
          x.payload.topic === 'finops-budget' &&
          /invoice-service/.test(x.payload.title),
      );
      assert.ok(n, 'the team got the budget notification');
    });
    // Another team's member may not set it.
    const grace = await userToken('grace.hopper');
    const refused = await fetch(
      `${baseUrl}/api/finops/entities/component/default/invoice-service/budget`,
      {
        method: 'PUT',
        headers: {
          Authorization: `Bearer ${grace}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ amount: 1 }),
      },
    );
    assert.equal(refused.status, 403);
  });

  it('shows the organisation Costs page with unallocated and idle cost', async () => {
    const page = await signedInAs(browser, 'barbara.liskov', '/costs');
    await page
      .getByText(/^Unallocated: \$[\d,.]+ in 30 days$/)
      .waitFor({ timeout: 60_000 });
    await page.getByText('legacy-reports', { exact: false }).first().waitFor();
    await page.getByText(/^Idle: \$[\d,.]+ in 30 days$/).waitFor();
    await screenshot(page, 'finops-costs-page');
    await page.context().close();
  });
});
