import { launchBrowser, signedInPage, baseUrl } from '/work/main/e2e/lib.mjs';
const [url, out, wait] = process.argv.slice(2);
const b = await launchBrowser();
const p = await signedInPage(b, url || '/');
await p.waitForTimeout(Number(wait ?? 6000));
await p.screenshot({ path: out ?? '/tmp/shot.png', fullPage: true });
await b.close();
