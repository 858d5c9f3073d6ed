// Service page (issue 4): time until every card of a service page has
// loaded, in headless Chromium against the sandbox (budget 2.5 s warm).
//   node bench/service-page.mjs
import { rmSync } from 'node:fs';
import { percentile, startPortal, table, writeResult } from './lib.mjs';

const port = 7027;
process.env.PORTOLAN_E2E_URL = `http://localhost:${port}`;
const { launchBrowser, gotoApp } = await import('../e2e/lib.mjs');

const { dataDir, stop } = await startPortal({
  port,
  sandboxBasePort: 17200,
  name: 'page',
});
// Let the catalog finish its first processing pass.
await new Promise(r => setTimeout(r, 5000));

const browser = await launchBrowser();
const context = await browser.newContext({
  viewport: { width: 1440, height: 900 },
});
const page = await context.newPage();
await gotoApp(page, '/');
await page.getByText('checkout-service').first().waitFor({ timeout: 60_000 });

const path = '/catalog/default/component/checkout-service';
async function loadOnce() {
  const t = performance.now();
  await page.goto(`http://localhost:${port}${path}`);
  await Promise.all([
    page
      .getByRole('link', { name: 'checkout-service-prod' })
      .first()
      .waitFor({ timeout: 30_000 }), // Environments
    page
      .getByText('argocd-prod', { exact: true })
      .nth(1)
      .waitFor({ timeout: 30_000 }), // Argo CD overview
    page.getByText('checkout-api').first().waitFor({ timeout: 30_000 }), // Provided APIs
    page.getByText('View graph').waitFor({ timeout: 30_000 }), // Relations
  ]);
  await page.waitForLoadState('networkidle');
  return performance.now() - t;
}
const first = await loadOnce();
const warm = [];
for (let i = 0; i < 8; i++) warm.push(await loadOnce());
await browser.close();
stop();
await new Promise(r => setTimeout(r, 1500));
rmSync(dataDir, { recursive: true, force: true });

const result = {
  firstMs: first,
  warmMedianMs: percentile(warm, 50),
  warmP95Ms: percentile(warm, 95),
  runs: warm.length,
};
table([
  ['service page, first load (cold cache)', `${first.toFixed(0)} ms`],
  [
    'service page, warm: median / p95',
    `${result.warmMedianMs.toFixed(0)} / ${result.warmP95Ms.toFixed(
      0,
    )} ms (budget 2500)`,
  ],
]);
writeResult('service-page', result);
process.exit(0);
