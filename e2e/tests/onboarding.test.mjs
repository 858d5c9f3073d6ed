// Git onboarding (issue 6): a developer fills "New TypeScript service" in
// the browser; the task creates the repository, the catalog entity and the
// Argo CD apps; the service page shows the apps; `git clone` works.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  baseUrl,
  eventually,
  launchBrowser,
  sandboxInfo,
  screenshot,
  signedInAs,
} from '../lib.mjs';

describe('Git onboarding', () => {
  let browser;
  let sandbox;
  before(async () => {
    browser = await launchBrowser();
    sandbox = sandboxInfo();
  });
  after(async () => {
    await browser?.close();
  });

  it('creates a service from "New TypeScript service": repository, catalog entry, Argo CD apps', async () => {
    const name = `ledger-${Date.now().toString(36)}`;
    const page = await signedInAs(browser, 'barbara.liskov', '/create');
    await page
      .getByText('New TypeScript service')
      .first()
      .waitFor({ timeout: 60_000 });
    await screenshot(page, 'create-templates');
    await page.goto(
      `${baseUrl}/create/templates/default/new-typescript-service`,
    );
    await page.locator('#root_name').fill(name);
    // Owner and system pickers are autocompletes over the catalog.
    const owner = page.locator('#root_owner');
    await owner.click();
    await owner.fill('Payments');
    await page
      .getByRole('option', { name: /payments/i })
      .first()
      .click();
    const system = page.locator('#root_system');
    await system.click();
    await system.fill('payments');
    await page
      .getByRole('option', { name: /payments/i })
      .first()
      .click();
    await page
      .locator('#root_description')
      .fill('Keeps the ledger, created by the e2e test');
    await page.getByRole('button', { name: 'Next' }).click();
    // Environments default to dev and staging.
    await page.getByRole('button', { name: 'Review' }).click();
    await screenshot(page, 'create-review');
    const started = Date.now();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Open in the catalog').waitFor({ timeout: 90_000 });
    const tookMs = Date.now() - started;
    await screenshot(page, 'create-done');
    console.log(`e2e: New TypeScript service task finished in ${tookMs} ms`);

    // The new service's page shows its Argo CD apps from the sandbox.
    await eventually(
      async () => {
        await page.goto(`${baseUrl}/catalog/default/component/${name}`);
        await page
          .getByRole('link', { name: `${name}-dev` })
          .waitFor({ timeout: 15_000 });
      },
      { timeoutMs: 120_000, intervalMs: 5_000 },
    );
    await page.getByRole('link', { name: `${name}-staging` }).waitFor();
    await screenshot(page, 'created-service');
    await page.context().close();

    // And the repository clones, with the generated catalog-info.yaml.
    const dir = mkdtempSync(join(tmpdir(), 'portolan-clone-'));
    try {
      const remote = `${sandbox.git.url}/git/${name}.git`.replace(
        '://',
        `://${sandbox.git.username}:${sandbox.git.password}@`,
      );
      execFileSync('git', ['clone', '-q', remote, join(dir, name)]);
      const info = readFileSync(join(dir, name, 'catalog-info.yaml'), 'utf8');
      assert.match(info, new RegExp(`name: ${name}`));
      assert.match(info, /argocd\/app-selector: backstage.io\/kubernetes-id=/);
      assert.match(info, /owner: group:default\/team-payments/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
