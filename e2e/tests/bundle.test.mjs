// The app's initial JavaScript stays within budget (900 KB gzip): every
// plugin's pages load lazily. Measured on what the portal serves: the
// scripts index.html loads before anything else, gzip level 6 as a CDN or
// reverse proxy would send them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { baseUrl } from '../lib.mjs';

const BUDGET_KB = 900;

describe('app bundle', () => {
  it(`keeps the initial JavaScript at most ${BUDGET_KB} KB gzip`, async () => {
    const html = await (await fetch(`${baseUrl}/`)).text();
    const scripts = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map(m =>
      new URL(m[1], `${baseUrl}/`).toString(),
    );
    assert.ok(scripts.length > 0, `no scripts in index.html: ${html}`);
    let gzip = 0;
    const sizes = [];
    for (const src of scripts) {
      const res = await fetch(src);
      assert.equal(res.status, 200, src);
      const body = Buffer.from(await res.arrayBuffer());
      const kb = gzipSync(body, { level: 6 }).length / 1024;
      sizes.push(`${src.split('/').pop()}: ${Math.round(kb)} KB`);
      gzip += kb;
    }
    console.log(
      `initial JS: ${Math.round(gzip)} KB gzip in ${
        scripts.length
      } scripts (${sizes.join(', ')})`,
    );
    assert.ok(
      gzip <= BUDGET_KB,
      `initial JavaScript is ${Math.round(
        gzip,
      )} KB gzip, over the ${BUDGET_KB} KB budget: load the plugin that grew it lazily (${sizes.join(
        ', ',
      )})`,
    );
  });
});
