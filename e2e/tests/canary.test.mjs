// Canary controls (issue 5): an owner promotes a paused canary in the
// sandbox and sees the step advance and the action in the timeline; a user
// from another team is refused and nothing changes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  baseUrl,
  eventually,
  launchBrowser,
  sandboxRollout,
  screenshot,
  signedInAs,
  syncSandboxApp,
  userToken,
} from '../lib.mjs';

// payment-gateway (team-payments), not checkout-service: other tests count
// checkout-service's pods, which a canary changes.
const service = '/catalog/default/component/payment-gateway';

describe('canary controls', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  const rollout = () => sandboxRollout('payments', 'payment-gateway');

  it('lets the owning team promote a paused canary and refuses everyone else', async () => {
    // A canary waiting at its first pause: the sandbox may already have one
    // (its prod canaries wait there for a promote); otherwise a new revision
    // (one whose analysis passes in the sandbox) starts one.
    const current = await rollout();
    const waiting = r =>
      r.status.phase === 'Paused' &&
      r.status.currentStepIndex === 1 &&
      r.status.currentPodHash !== r.status.stableRS;
    if (!waiting(current)) {
      const revision = `e2${randomBytes(19).toString('hex')}`;
      await syncSandboxApp('payment-gateway-prod', revision);
      await eventually(async () => {
        const r = await rollout();
        assert.equal(r.status.currentPodHash, revision.slice(0, 10));
        assert.ok(
          waiting(r),
          `rollout is ${r.status.phase} at step ${r.status.currentStepIndex}`,
        );
      });
    }

    // Grace is in team-storefront: she sees the canary, every action off.
    const outsider = await signedInAs(
      browser,
      'grace.hopper',
      `${service}/canary`,
    );
    await outsider
      .getByText(/only members of the owning team or an admin group can act/)
      .waitFor({ timeout: 60_000 });
    await outsider.getByText('Step 2 of 6').waitFor();
    assert.equal(
      await outsider
        .getByRole('button', { name: 'Promote', exact: true })
        .isDisabled(),
      true,
    );
    await screenshot(outsider, 'canary-non-owner');
    await outsider.context().close();

    // ... and the API refuses her too, patching nothing.
    const before = await rollout();
    const refused = await fetch(
      `${baseUrl}/api/delivery/entities/component/default/payment-gateway/rollouts/actions`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${await userToken('grace.hopper')}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          cluster: 'prod-eu',
          namespace: 'payments',
          name: 'payment-gateway',
          action: 'promote',
          resourceVersion: before.metadata.resourceVersion,
        }),
      },
    );
    assert.equal(refused.status, 403);
    const unchanged = await rollout();
    assert.equal(
      unchanged.metadata.resourceVersion,
      before.metadata.resourceVersion,
    );
    assert.equal(unchanged.status.currentStepIndex, 1);

    // Barbara is in team-payments, which owns checkout-service.
    const owner = await signedInAs(
      browser,
      'barbara.liskov',
      `${service}/canary`,
    );
    await owner.getByText('Step 2 of 6').waitFor({ timeout: 60_000 });
    await screenshot(owner, 'canary-paused');
    await owner.getByRole('button', { name: 'Promote', exact: true }).click();
    const dialog = owner.getByRole('dialog');
    await dialog.getByText('component:default/payment-gateway').waitFor();
    await dialog.getByText(/prod-eu/).waitFor();
    await screenshot(owner, 'canary-confirm');
    await dialog.getByRole('button', { name: 'Promote', exact: true }).click();
    // Past the pause, weight 50%, into the timed pause. A live controller may
    // write the Rollout between the page's read and the click: then the
    // action is refused (409), the page says so and shows the rollout as it
    // is, and the owner promotes again from there, as the message asks.
    const stepFour = owner.getByText('Step 4 of 6');
    const conflict = owner.getByText(/check it and try again/);
    await stepFour.or(conflict).first().waitFor({ timeout: 30_000 });
    if (await conflict.isVisible()) {
      await owner.getByText('Step 2 of 6').waitFor({ timeout: 30_000 });
      await owner.getByRole('button', { name: 'Promote', exact: true }).click();
      await owner
        .getByRole('dialog')
        .getByRole('button', { name: 'Promote', exact: true })
        .click();
    }
    await stepFour.waitFor({ timeout: 30_000 });
    await owner.getByText('Canary 50%').waitFor();
    assert.equal((await rollout()).status.currentStepIndex, 3);
    await screenshot(owner, 'canary-promoted');

    // The action is in the service's timeline.
    await owner.goto(`${baseUrl}${service}/deployments`);
    await owner
      .getByText('Canary promote by barbara.liskov')
      .waitFor({ timeout: 30_000 });
    await owner.context().close();
  });

  it('shows DORA figures computed from the sandbox history', async () => {
    const page = await signedInAs(
      browser,
      'barbara.liskov',
      `${service}/deployments`,
    );
    const frequency = page.getByTestId('dora-Deployment frequency');
    await eventually(
      async () => {
        await page.goto(`${baseUrl}${service}/deployments`);
        await frequency.waitFor({ timeout: 20_000 });
        const text = await frequency.innerText();
        assert.match(text, /\d+(\.\d)? \/ week/);
        assert.doesNotMatch(text, /^0\.0 \/ week/m);
        // Lead time needs commit dates, which ingestion fetches after it
        // has stored the deployments themselves.
        assert.match(
          await page.getByTestId('dora-Lead time for changes').innerText(),
          /\d+(\.\d)? (min|h|d)/,
        );
      },
      { timeoutMs: 150_000, intervalMs: 5_000 },
    );
    await screenshot(page, 'deployments-dora');
    await page.context().close();
  });

  it('shows the organisation page with deploys this week', async () => {
    const page = await signedInAs(browser, 'margaret.hamilton', '/deployments');
    await page.getByTestId('deploys-this-week').waitFor({ timeout: 60_000 });
    await eventually(async () => {
      const text = await page.getByTestId('deploys-this-week').innerText();
      assert.match(text, /\d+/);
    });
    await page.getByText('Latest deploys').waitFor();
    await screenshot(page, 'organisation-deployments');
    await page.context().close();
  });
});
