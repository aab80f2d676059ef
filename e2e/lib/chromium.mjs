// Debian's chromium driven by playwright-core, for tests that need real browsers: each browser
// context is a separate cookie jar (a separate person), and a navigation can be stopped at a URL
// (answered by the test) to read the code or state in it, as an attacker would.
import assert from 'node:assert/strict';

import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** A headless chromium; close it when done. */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
}

/**
 * From now on, the first request of `page` to a URL starting with `prefix` is not sent: the test
 * answers it with a blank page and keeps its URL (`captured()`), as an attacker who stops his
 * browser there would. Works for redirects too (playwright's page.route sees only the first
 * request of a redirect chain, so this uses the DevTools protocol's Fetch domain directly).
 * Call `release()` when done.
 */
export async function stopAt(page, prefix) {
  const urls = [];
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Fetch.requestPaused', (event) => {
    if (!event.request.url.startsWith(prefix)) {
      cdp.send('Fetch.continueRequest', { requestId: event.requestId }).catch(() => {});
      return;
    }
    urls.push(new URL(event.request.url));
    cdp.send('Fetch.fulfillRequest', {
      requestId: event.requestId,
      responseCode: 200,
      responseHeaders: [{ name: 'content-type', value: 'text/plain' }],
      body: Buffer.from('stopped here by the test').toString('base64'),
    }).catch(() => {});
  });
  // CDP patterns: * is a wildcard, ? one character, \ escapes
  const pattern = `${prefix.replace(/[\\*?]/g, (c) => `\\${c}`)}*`;
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: pattern, requestStage: 'Request' }] });
  return {
    captured: () => urls[0],
    all: () => [...urls],
    release: async () => {
      await cdp.send('Fetch.disable').catch(() => {});
      await cdp.detach().catch(() => {});
    },
  };
}

/**
 * Opens `startUrl` in `page` and goes on through the e2e IdP's pages (signing in as `user` —
 * { login, password } — and allowing the client when asked) until the browser requests a URL
 * starting with `prefix`. That request is not sent (see stopAt); its URL is returned.
 */
export async function navigateUntil(page, startUrl, prefix, user) {
  const stop = await stopAt(page, prefix);
  try {
    await page.goto(startUrl);
    for (let step = 0; step < 6 && !stop.captured(); step++) {
      if (await page.locator('input[name=password]').count()) {
        assert.ok(user, `asked to sign in at ${page.url()}, but no user was given`);
        await page.fill('input[name=login]', user.login);
        await page.fill('input[name=password]', user.password);
        await Promise.all([page.waitForNavigation(), page.click('#login button[type=submit]')]);
      } else if (await page.locator('form#consent').count()) {
        await Promise.all([page.waitForNavigation(), page.click('form#consent button[type=submit]')]);
      } else {
        throw new Error(`neither ${prefix} nor an IdP form at ${page.url()}: ${(await page.textContent('body'))?.slice(0, 300)}`);
      }
    }
  } finally {
    await stop.release();
  }
  assert.ok(stop.captured(), `the browser did not reach ${prefix} (at ${page.url()})`);
  return stop.captured();
}
