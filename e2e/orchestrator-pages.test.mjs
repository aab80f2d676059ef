// The pages a person sees at the orchestrator, in Chromium: the IdP chooser, error pages of several
// kinds, the consent page for a client nobody vetted, the sign-out question and the signed-out page. Each one, in the light and the dark colour
// scheme, on a 390-px phone screen: axe-core reports no violation (lib/axe.mjs), the page does not
// scroll sideways, its style sheet loads under its CSP (no CSP error in the console), and an error
// page keeps its status and leads back to the application only when the registered client is known
// (to its registered site, never to a redirect_uri taken from the request).
//
// The /demo pages are not here: /demo exists only in a build made with
// -Dorchestrator.demo.enabled=true (./run.sh's), and this run tests the production build; the
// orchestrator's DemoClientTest lays the demo's result page out in the same Chromium at 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';

import { assertAccessible } from './lib/axe.mjs';
import { launchChromium, navigateUntil } from './lib/chromium.mjs';
import { ORCH, RP, USERS, INSECURE, rp, start, redeem } from './lib/orchestrator.mjs';

const TIMEOUT = { timeout: 90_000 };
const PHONE = { width: 390, height: 844 };
const HOSTILE = '"><script>alert(1)</script><a href="https://evil.example/x">';

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/**
 * A fresh person with a phone, in one colour scheme; `problems` collects what went wrong loading
 * the page's parts: CSP refusals, script errors, a part that failed (the page itself may be a 4xx).
 */
async function phone(colorScheme) {
  const context = await browser.newContext({ viewport: PHONE, colorScheme });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('requestfailed', (r) => problems.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.request().resourceType() !== 'document' && r.status() >= 400) problems.push(`${r.url()}: ${r.status()}`);
  });
  return { context, page, problems };
}

/** What every orchestrator page must be, whatever it says. */
async function assertGoodPage(page, problems, what) {
  assert.equal(await page.getAttribute('html', 'lang'), 'en', what);
  assert.match(await page.title(), /\S · TokenServices$/, what);
  assert.equal(await page.locator('main').count(), 1, `${what}: one main landmark`);
  assert.equal(await page.locator('main h1').count(), 1, `${what}: one h1, in main`);
  const styled = await page.evaluate(() => [...document.styleSheets].some((s) => s.href?.endsWith('/orchestrator.css') && s.cssRules.length > 0));
  assert.ok(styled, `${what}: its style sheet loaded`);
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(width <= PHONE.width, `${what}: ${width} px wide on a ${PHONE.width}-px screen`);
  await assertAccessible(page, what);
  assert.deepEqual(problems, [], `${what}: parts of the page failed or were refused`);
}

/** Every link's target on the page. */
const links = (page) => page.$$eval('a[href]', (as) => as.map((a) => a.href));

for (const colorScheme of ['light', 'dark']) {
  test(`the IdP chooser (${colorScheme})`, TIMEOUT, async () => {
    const { context, page, problems } = await phone(colorScheme);
    try {
      const flow = await start(rp, `${RP}/cb`, 'openid', { state: HOSTILE });
      flow.url.searchParams.delete('idp_hint');
      const response = await page.goto(flow.url.href);
      assert.equal(response.status(), 200);
      assert.equal(await page.textContent('h1'), 'Choose how to sign in');
      assert.deepEqual((await links(page)).map((l) => new URL(l).searchParams.get('idp_hint')), ['e2e-idp', 'quirks-hd', 'quirks-form-post', 'down-idp']);
      await assertGoodPage(page, problems, 'the chooser');
    } finally {
      await context.close();
    }
  });

  test(`error pages keep their status, lead back only to a registered client, and are accessible (${colorScheme})`, TIMEOUT, async () => {
    const { context, page, problems } = await phone(colorScheme);
    const bogus = 'https://evil.example/cb';
    const errors = [
      // [what, URL, status, the way back or null]
      ['an unknown client', `${ORCH}/authorize?client_id=${encodeURIComponent(HOSTILE)}&redirect_uri=${encodeURIComponent(bogus)}`, 400, null],
      ['a known client with a bogus redirect_uri', `${ORCH}/authorize?response_type=code&scope=openid&client_id=e2e-rp&redirect_uri=${encodeURIComponent(bogus)}`, 400, `${RP}/`],
      ['a known client with a bogus post_logout_redirect_uri', `${ORCH}/logout?client_id=e2e-rp&post_logout_redirect_uri=${encodeURIComponent(bogus)}`, 400, `${RP}/`],
      ['a callback this browser did not start', `${ORCH}/callback?state=${encodeURIComponent(HOSTILE)}&code=c`, 400, null],
      ['a malformed address', `${ORCH}/authorize?client_id=e2e-rp&redirect_uri=%zz`, 400, null],
      ['a forged id_token_hint', `${ORCH}/logout?id_token_hint=garbage`, 400, null],
      ['an address over 16 KiB', `${ORCH}/authorize?state=${'a'.repeat(20_000)}`, 414, null],
    ];
    try {
      for (const [what, url, status, back] of errors) {
        const response = await page.goto(url);
        assert.equal(response.status(), status, what);
        assert.equal(await page.locator('#error').count(), 1, what);
        if (back) {
          assert.equal(await page.getAttribute('#way-back', 'href'), back, what);
          assert.deepEqual(await links(page), [back], `${what}: the registered site is the only link`);
        } else {
          assert.equal(await page.locator('#way-back').count(), 0, what);
          assert.ok(await page.locator('#no-way-back').isVisible(), what);
          assert.deepEqual(await links(page), [], `${what}: no link at all`);
        }
        assert.ok(!(await page.content()).includes(bogus), `${what}: the bogus address appears nowhere`);
        await assertGoodPage(page, problems, `the error page for ${what}`);
      }
    } finally {
      await context.close();
    }
  });

  test(`an upstream that does not answer: a 503 page naming it, leading back to the client (${colorScheme})`, TIMEOUT, async () => {
    const { context, page, problems } = await phone(colorScheme);
    try {
      const flow = await start(rp, `${RP}/cb`, 'openid', { idp_hint: 'down-idp' });
      const response = await page.goto(flow.url.href);
      assert.equal(response.status(), 503);
      assert.match(await page.textContent('h1'), /down-idp is not available right now/);
      const back = new URL(await page.getAttribute('#back', 'href'));
      assert.equal(back.origin + back.pathname, `${RP}/cb`);
      assert.equal(back.searchParams.get('error'), 'temporarily_unavailable');
      await assertGoodPage(page, problems, 'the upstream-unavailable page');
    } finally {
      await context.close();
    }
  });

  test(`the consent page names a client nobody vetted as text (${colorScheme})`, TIMEOUT, async () => {
    const { context, page, problems } = await phone(colorScheme);
    try {
      const registration = await fetch(`${ORCH}/register`, {
        method: 'POST',
        headers: { authorization: `Bearer ${process.env.E2E_REGISTRATION_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: HOSTILE, redirect_uris: [`${RP}/reg-cb`], token_endpoint_auth_method: 'none' }),
      });
      assert.equal(registration.status, 201);
      const { client_id: clientId } = await registration.json();
      const config = await client.discovery(new URL(ORCH), clientId, {}, client.None(), INSECURE);
      const flow = await start(config, `${RP}/reg-cb`, 'openid email', { state: HOSTILE });
      const response = await page.goto(flow.url.href);
      assert.equal(response.status(), 200);
      assert.equal(await page.textContent('#client-name'), HOSTILE);
      assert.equal(await page.textContent('#redirect-host'), new URL(RP).hostname);
      assert.equal(await page.locator('script').count(), 0, 'the client\'s name is text, never markup');
      assert.deepEqual(await links(page), [], 'no link at all');
      await assertGoodPage(page, problems, 'the consent page');
    } finally {
      await context.close();
    }
  });

  test(`the sign-out question and the signed-out page (${colorScheme})`, TIMEOUT, async () => {
    const { context, page, problems } = await phone(colorScheme);
    try {
      const flow = await start(rp, `${RP}/cb`, 'openid email', { prompt: 'login' });
      const callback = await navigateUntil(page, flow.url.href, `${RP}/cb`, USERS.ann);
      await redeem(rp, flow, callback);
      problems.length = 0; // the IdP's own pages are not ours to judge

      const question = await page.goto(`${ORCH}/logout?client_id=e2e-rp&state=${encodeURIComponent(HOSTILE)}`);
      assert.equal(question.status(), 200);
      assert.match(await page.textContent('h1'), /^Sign out of e2e-rp\?$/);
      assert.equal(await page.inputValue('input[name=state]'), HOSTILE);
      await assertGoodPage(page, problems, 'the sign-out question');

      await Promise.all([page.waitForNavigation(), page.click('form button[type=submit]')]);
      assert.equal(await page.textContent('h1'), 'You are signed out');
      await assertGoodPage(page, problems, 'the signed-out page');
    } finally {
      await context.close();
    }
  });
}
