// Shared helpers for the browser tests.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const baseUrl = process.env.PORTOLAN_E2E_URL ?? 'http://localhost:7007';
const artifacts = join(
  resolve(dirname(fileURLToPath(import.meta.url))),
  'artifacts',
);

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page signed in as guest, at `path` (default: the catalog). */
export async function signedInPage(browser, path = '/') {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
  });
  const page = await context.newPage();
  await gotoApp(page, path);
  return page;
}

/**
 * A page signed in as a catalog user, through the sandbox's "sign in as"
 * provider, at `path`.
 */
export async function signedInAs(browser, user, path = '/') {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
  });
  const page = await context.newPage();
  await page.goto(`${baseUrl}${path}`);
  const field = page.getByLabel('Any user name');
  await field.waitFor({ timeout: 60_000 });
  await field.fill(user);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page
    .getByText('Sign in as a catalog user')
    .waitFor({ state: 'detached', timeout: 60_000 });
  return page;
}

/** The running sandbox's endpoints and credentials (its sandbox.json). */
export function sandboxInfo() {
  return JSON.parse(
    readFileSync(
      join(process.env.PORTOLAN_E2E_DATA_DIR, 'sandbox.json'),
      'utf8',
    ),
  );
}

/**
 * A Kubernetes API request to a sandbox cluster (`{ url, token }` from
 * sandbox.json). Its API servers serve TLS only, like real ones: the
 * request verifies them against the sandbox's CA (`ca` in sandbox.json).
 */
export function kubeApi(
  cluster,
  path,
  { method = 'GET', body, contentType = 'application/merge-patch+json' } = {},
) {
  const { ca } = sandboxInfo();
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, cluster.url),
      {
        method,
        ca,
        headers: {
          Authorization: `Bearer ${cluster.token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': contentType }),
        },
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', chunk => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            body: text ? JSON.parse(text) : undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** A Rollout on a sandbox cluster (prod-eu unless named), read from its API. */
export async function sandboxRollout(namespace, name, cluster = 'prod-eu') {
  const kube = sandboxInfo().kubernetes.find(k => k.name === cluster);
  const res = await kubeApi(
    kube,
    `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/rollouts/${name}`,
  );
  if (res.status !== 200)
    throw new Error(
      `rollout ${namespace}/${name} on ${cluster}: ${res.status}`,
    );
  return res.body;
}

/**
 * Syncs an app of the sandbox's Argo CD (argocd-prod unless named) to a
 * revision, as `argocd app sync --revision` does; throws unless it is 200.
 */
export async function syncSandboxApp(app, revision, instance = 'argocd-prod') {
  const argo = sandboxInfo().argocd.find(a => a.name === instance);
  const res = await fetch(`${argo.url}/api/v1/applications/${app}/sync`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${argo.token}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ revision }),
  });
  if (res.status !== 200)
    throw new Error(`sync of ${app}: ${res.status} ${await res.text()}`);
}

/** A user token from the sandbox sign-in provider. */
export async function userToken(user) {
  const res = await fetch(`${baseUrl}/api/auth/sandbox/refresh`, {
    headers: {
      'X-Requested-With': 'XMLHttpRequest',
      'x-portolan-sandbox-user': user,
    },
  });
  if (!res.ok)
    throw new Error(`sandbox sign-in as ${user} failed: ${res.status}`);
  return (await res.json()).backstageIdentity.token;
}

/** Opens an app path, signing in as guest if the sign-in page shows. */
export async function gotoApp(page, path) {
  await page.goto(`${baseUrl}${path}`);
  const enter = page.getByRole('button', { name: 'Enter' });
  const signedIn = page.locator('nav, [data-testid="sidebar-root"]').first();
  await Promise.race([
    enter.waitFor({ timeout: 60_000 }),
    signedIn.waitFor({ timeout: 60_000 }),
  ]);
  if (await enter.isVisible()) {
    await enter.click();
  }
}

export async function screenshot(page, name) {
  await page.screenshot({
    path: join(artifacts, `${name}.png`),
    fullPage: false,
  });
}

/** A guest token for API calls (what the browser holds after sign-in). */
export async function guestToken() {
  const res = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  if (!res.ok) throw new Error(`guest sign-in failed: ${res.status}`);
  return (await res.json()).backstageIdentity.token;
}

export async function api(path, token) {
  const res = await fetch(`${baseUrl}${path}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

export async function eventually(
  fn,
  { timeoutMs = 60_000, intervalMs = 500 } = {},
) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw lastError;
    await new Promise(r => setTimeout(r, intervalMs));
  }
}
