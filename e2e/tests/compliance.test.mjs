// Compliance (issue 13): a service owner sees a failing check with its
// evidence and asks for a waiver; a non-approver cannot approve it; an
// approver (another user) approves; the card shows "waived until ...", the
// team KPI counts it as waived; the evidence export of the last 30 days
// contains the waiver.
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

const serviceApi = '/api/compliance/entities/component/default/invoice-service';
const teamApi = '/api/compliance/teams/default/team-payments';
const check = 'catalog.runbook';

async function call(method, path, token, body) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

describe('Compliance checks and waivers', () => {
  let browser;
  let owner;
  let other;
  let approver;
  before(async () => {
    browser = await launchBrowser();
    owner = await userToken('barbara.liskov');
    other = await userToken('grace.hopper');
    approver = await userToken('margaret.hamilton');
    // The first evaluation runs about 20 s after start (once the catalog has services).
    await eventually(
      async () => {
        const r = await call('GET', serviceApi, owner);
        assert.equal(r.status, 200);
        assert.equal(
          r.body.checks.find(c => c.checkId === check)?.status,
          'fail',
        );
      },
      { timeoutMs: 180_000, intervalMs: 2000 },
    );
  });
  after(async () => {
    await browser?.close();
  });

  it("reads the Git checks from the service's repository through the Gitea integration", async () => {
    const service = name =>
      call('GET', `/api/compliance/entities/component/default/${name}`, owner);
    const gitChecks = async name =>
      Object.fromEntries(
        (await service(name)).body.checks
          .filter(c => c.checkId.startsWith('git.'))
          .map(c => [c.checkId, c]),
      );
    const fraud = await gitChecks('fraud-detector');
    const gitea = sandboxInfo().git.gitea;
    // The seeded services name the default sandbox's Gitea API (port 7124);
    // a sandbox on another base port leaves their repositories unreadable.
    if (gitea && new URL(gitea.url).port === '7124') {
      assert.equal(fraud['git.ci-workflow'].status, 'fail');
      assert.equal(
        fraud['git.ci-workflow'].reason,
        'Its repository has no CI workflow',
      );
      assert.match(
        fraud['git.codeowners'].evidence[0].source,
        /^git:http:\/\/127\.0\.0\.1:7124\/portolan\/fraud-detector\//,
      );
      const payments = await gitChecks('payment-gateway');
      assert.equal(payments['git.ci-workflow'].status, 'pass');
      assert.equal(payments['git.codeowners'].status, 'pass');
    } else {
      assert.equal(fraud['git.ci-workflow'].status, 'unknown');
      assert.match(fraud['git.ci-workflow'].reason, /could not be read/);
    }
  });

  it('owner requests a waiver, a non-approver cannot approve, an approver does; card, team KPI and evidence follow', async () => {
    const teamBefore = (await call('GET', teamApi, owner)).body;
    const waivedBefore = teamBefore.current.checks[check]?.waived ?? 0;

    // The owner sees the failing check with its evidence and how to fix it.
    const page = await signedInAs(
      browser,
      'barbara.liskov',
      '/catalog/default/component/invoice-service/compliance',
    );
    const row = page.getByTestId(`check-${check}`);
    await row.waitFor({ timeout: 60_000 });
    await row.getByText('No runbook is linked').waitFor();
    await row.getByText(/metadata\.links has no runbook/).waitFor();
    await row.getByText(/How to fix:/).waitFor();
    assert.equal(await page.getByTestId(`status-${check}`).innerText(), 'fail');
    await screenshot(page, 'compliance-failing-check');

    // A waiver without a reason is refused with the reason named.
    const expiry = new Date(Date.now() + 14 * 86_400_000)
      .toISOString()
      .slice(0, 10);
    await row.getByRole('button', { name: 'Request waiver' }).click();
    await page.getByTestId('waiver-expiry').fill(expiry);
    await page
      .getByRole('dialog')
      .getByRole('button', { name: 'Request waiver' })
      .click();
    await page.getByText(/needs a reason/).waitFor({ timeout: 10_000 });
    await page
      .getByTestId('waiver-reason')
      .fill('Runbook moves to the new wiki this sprint');
    await page
      .getByRole('dialog')
      .getByRole('button', { name: 'Request waiver' })
      .click();
    await page.getByTestId(`pending-${check}`).waitFor({ timeout: 30_000 });
    const pending = (await call('GET', serviceApi, owner)).body.checks.find(
      c => c.checkId === check,
    ).pendingWaiver;
    assert.ok(pending, 'the waiver is pending');

    // Someone outside the approver group cannot approve it.
    const refused = await call(
      'POST',
      `/api/compliance/waivers/${pending.id}/approve`,
      other,
      {},
    );
    assert.equal(refused.status, 403);
    // Nor can the owner approve their own (they are not approvers either).
    assert.notEqual(
      (
        await call(
          'POST',
          `/api/compliance/waivers/${pending.id}/approve`,
          owner,
          {},
        )
      ).status,
      200,
    );

    // The approver approves it on the Compliance page.
    const approverPage = await signedInAs(
      browser,
      'margaret.hamilton',
      '/compliance',
    );
    await approverPage
      .getByTestId(`approve-${pending.id}`)
      .click({ timeout: 60_000 });
    await approverPage
      .getByTestId(`approve-${pending.id}`)
      .waitFor({ state: 'detached', timeout: 30_000 });
    await approverPage.context().close();

    // The card says "waived until ...".
    await page.reload();
    await page
      .getByTestId(`waived-${check}`)
      .getByText(`Waived until ${expiry}`)
      .waitFor({ timeout: 60_000 });
    assert.equal(
      await page.getByTestId(`status-${check}`).innerText(),
      'waived',
    );
    await screenshot(page, 'compliance-waived');
    await page.context().close();

    // The team KPI counts it as waived (not passed).
    const teamAfter = (await call('GET', teamApi, owner)).body;
    assert.equal(teamAfter.current.checks[check].waived, waivedBefore + 1);
    assert.equal(
      teamAfter.current.checks[check].fail,
      teamBefore.current.checks[check].fail - 1,
    );
    const teamPage = await signedInAs(
      browser,
      'grace.hopper',
      '/compliance?team=group:default/team-payments',
    );
    await teamPage
      .getByTestId(`kpi-waived-${check}`)
      .getByText(String(waivedBefore + 1), { exact: true })
      .waitFor({ timeout: 60_000 });
    // grace.hopper is no approver: no approve buttons for her.
    assert.equal(
      await teamPage.getByText('Approve', { exact: true }).count(),
      0,
    );
    await screenshot(teamPage, 'compliance-team');
    await teamPage.context().close();

    // The evidence export of the last 30 days contains the waiver.
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 86_400_000);
    const q = `from=${from.toISOString()}&to=${to.toISOString()}`;
    const json = await call('GET', `/api/compliance/evidence?${q}`, other);
    assert.equal(json.status, 200);
    const rows = json.body.controls.flatMap(c => c.results);
    const waived = rows.find(
      r =>
        r.entityRef === 'component:default/invoice-service' &&
        r.checkId === check,
    );
    assert.ok(
      waived.waivers.some(
        w =>
          w.id === pending.id &&
          w.status === 'approved' &&
          w.decidedBy === 'user:default/margaret.hamilton',
      ),
    );
    const csv = await fetch(
      `${baseUrl}/api/compliance/evidence?${q}&format=csv`,
      {
        headers: { Authorization: `Bearer ${other}` },
      },
    );
    assert.match(await csv.text(), new RegExp(`approved waiver ${pending.id}`));
  });
});
