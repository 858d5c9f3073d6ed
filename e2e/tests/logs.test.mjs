// Logs (issue 12): a service whose canary the sandbox failed shows the
// error burst in the histogram next to the deploy marker; a search finds the
// error, a line's context opens, its trace id leads across services; a user
// without logs.read on the service (the e2e config gives it to owners only)
// is refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
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

// team-payments; an admin reads it, a member of another team may not.
const READER = 'margaret.hamilton';
const OUTSIDER = 'grace.hopper';
const SERVICE = 'invoice-service';
const NAMESPACE = 'payments';

async function apiAs(user, path, init = {}) {
  const res = await fetch(`${baseUrl}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${await userToken(user)}`,
      'Content-Type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

describe('logs', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  const rollout = () => sandboxRollout(NAMESPACE, SERVICE);

  it("shows a failed canary's error burst by its deploy, finds the error, opens context and the trace; refuses an outsider", async () => {
    // A canary the sandbox fails: a revision whose analysis fails, promoted
    // past its first pause; the analysis after the 60 s pause aborts it.
    const revision = `0e${Date.now().toString(16).padStart(38, '0')}`.slice(
      0,
      40,
    );
    await syncSandboxApp(`${SERVICE}-prod`, revision);
    await eventually(async () => {
      const r = await rollout();
      assert.equal(r.status.currentPodHash, revision.slice(0, 10));
      assert.equal(r.status.phase, 'Paused');
    });
    const promote = await apiAs(
      READER,
      `/api/delivery/entities/component/default/${SERVICE}/rollouts/actions`,
      {
        method: 'POST',
        body: JSON.stringify({
          cluster: 'prod-eu',
          namespace: NAMESPACE,
          name: SERVICE,
          action: 'promote',
          resourceVersion: (await rollout()).metadata.resourceVersion,
        }),
      },
    );
    assert.equal(promote.status, 200, JSON.stringify(promote.body));
    await eventually(
      async () => assert.equal((await rollout()).status.abort, true),
      { timeoutMs: 180_000, intervalMs: 3000 },
    );

    // The API: errors from the canary pod, in the last hour, above the calm before.
    const search = `/api/logs/entities/component/default/${SERVICE}/search?environment=prod&level=error&size=50`;
    const found = await eventually(
      async () => {
        const res = await apiAs(READER, search);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const burst = res.body.lines.filter(l =>
          l.pod.startsWith(`${SERVICE}-${revision.slice(0, 10)}-`),
        );
        assert.ok(burst.length >= 20, `${burst.length} burst lines`);
        return res.body;
      },
      { timeoutMs: 90_000, intervalMs: 5000 },
    );
    const buckets = found.histogram.buckets;
    const peak = Math.max(...buckets.map(b => b.levels.error ?? 0));
    const calm =
      buckets.slice(0, 20).reduce((n, b) => n + (b.levels.error ?? 0), 0) / 20;
    assert.ok(peak >= 10 * Math.max(calm, 1), `peak ${peak}, calm ${calm}`);

    // The page, as the reader: histogram with the deploy marker (once the
    // delivery timeline has ingested the deploy), the burst, the lines.
    const page = await signedInAs(
      browser,
      READER,
      `/catalog/default/component/${SERVICE}/logs`,
    );
    await page.getByTestId('logs-histogram').waitFor({ timeout: 60_000 });
    await eventually(
      async () => {
        await page.reload();
        await page.getByTestId('deploy-markers').waitFor({ timeout: 20_000 });
        assert.match(
          await page.getByTestId('deploy-markers').innerText(),
          /failed or aborted/,
        );
      },
      { timeoutMs: 150_000, intervalMs: 5000 },
    );
    await screenshot(page, 'logs-burst');

    // Search for the error.
    await page.getByTestId('log-query').fill('"connection pool exhausted"');
    await page.getByTestId('log-query').press('Enter');
    const firstLine = page.getByTestId('log-line').first();
    await firstLine
      .getByText(/connection pool exhausted/)
      .waitFor({ timeout: 30_000 });
    assert.match(
      await page.getByTestId('logs-total').innerText(),
      /[1-9][\d,]* lines/,
    );
    await screenshot(page, 'logs-search');

    // Its context: lines of the same pod around it.
    await firstLine.click();
    await firstLine.getByTestId('log-line-details').waitFor();
    await firstLine.getByRole('button', { name: 'Show context' }).click();
    const context = page.getByTestId('context-dialog');
    await context.getByTestId('log-line').nth(2).waitFor({ timeout: 30_000 });
    await screenshot(page, 'logs-context');
    await page.getByRole('button', { name: 'Close' }).click();

    // Its trace: the caller's warning about the failing upstream too.
    await firstLine.getByTestId('trace-link').click();
    const trace = page.getByTestId('trace-dialog');
    await trace
      .getByText(/Upstream invoice-service returned/)
      .first()
      .waitFor({ timeout: 30_000 });
    const traceText = await trace.innerText();
    assert.match(traceText, /\d+ lines? in .*,/);
    await screenshot(page, 'logs-trace');
    await page.context().close();

    // A user without logs.read on the service: refused, by the API and on the page.
    const refused = await apiAs(OUTSIDER, search);
    assert.equal(refused.status, 403);
    assert.match(refused.body.error.message, /logs\.read/);
    const outsider = await signedInAs(
      browser,
      OUTSIDER,
      `/catalog/default/component/${SERVICE}/logs`,
    );
    await outsider
      .getByText(
        /You may not read the logs of component:default\/invoice-service/,
      )
      // The error panel has the message twice, one copy hidden.
      .filter({ visible: true })
      .first()
      .waitFor({ timeout: 60_000 });
    await screenshot(outsider, 'logs-refused');
    await outsider.context().close();
  });
});
