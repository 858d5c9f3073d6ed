// Screenshot of a page of a running portal, signed in as guest:
//   node e2e/screenshot.mjs /catalog/default/component/web-shop out.png [waitMs]
// (PORTOLAN_E2E_URL to point at another port.)
import { launchBrowser, signedInPage } from './lib.mjs';

const [path = '/', out = 'screenshot.png', wait = '5000'] =
  process.argv.slice(2);
const browser = await launchBrowser();
const page = await signedInPage(browser, path);
await page.waitForTimeout(Number(wait));
await page.screenshot({ path: out, fullPage: true });
await browser.close();
console.log(`wrote ${out}`);
