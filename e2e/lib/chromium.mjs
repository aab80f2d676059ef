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
 * Opens `startUrl` in `page` and goes on through the e2e IdP's pages (signing in as `user` —
 * { login, password } — and allowing the client when asked) until the browser requests a URL
 * starting with `stopAt`. That request is not sent: the test answers it with a blank page and
 * returns its URL.
 */
export async function navigateUntil(page, startUrl, stopAt, user) {
  let captured;
  const matches = (url) => url.href.startsWith(stopAt);
  const handler = (route) => {
    captured ??= new URL(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/plain', body: 'stopped here by the test' });
  };
  await page.route(matches, handler);
  try {
    await page.goto(startUrl);
    for (let step = 0; step < 6 && !captured; step++) {
      if (await page.locator('input[name=password]').count()) {
        assert.ok(user, `asked to sign in at ${page.url()}, but no user was given`);
        await page.fill('input[name=login]', user.login);
        await page.fill('input[name=password]', user.password);
        await Promise.all([page.waitForNavigation(), page.click('#login button[type=submit]')]);
      } else if (await page.locator('form#consent').count()) {
        await Promise.all([page.waitForNavigation(), page.click('form#consent button[type=submit]')]);
      } else {
        throw new Error(`neither ${stopAt} nor an IdP form at ${page.url()}: ${(await page.textContent('body'))?.slice(0, 300)}`);
      }
    }
  } finally {
    await page.unroute(matches, handler);
  }
  assert.ok(captured, `the browser did not reach ${stopAt} (at ${page.url()})`);
  return captured;
}
