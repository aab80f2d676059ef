// The quirks of real IdPs, end to end: a second e2e/idp.mjs (oidc-provider) at 127.0.0.1 — another
// site than the orchestrator's localhost — whose accounts carry a Google Workspace domain (`hd`),
// reached through two registry entries: `quirks-hd` (allowed_hd: [example.com]) and
// `quirks-form-post` (response_mode: form_post, as Sign in with Apple answers). Chromium is the
// browser (the form post is oidc-provider's own self-submitting page, a cross-site POST that only a
// SameSite=None login cookie survives); openid-client is the relying party and validates what the
// orchestrator returns. Two browser contexts play the login-binding attack over the form post.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import * as client from 'openid-client';
import { launchChromium, stopAt } from './lib/chromium.mjs';
import { ORCH, RP, USERS, rp, start, redeem, recordCode } from './lib/orchestrator.mjs';

const QUIRKS_IDP = process.env.QUIRKS_IDP;
const TIMEOUT = { timeout: 90_000 };
const SCOPE = 'openid profile email';

let browser;

before(async () => {
  assert.ok(QUIRKS_IDP, 'QUIRKS_IDP is set by e2e/run-orchestrator.sh');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/**
 * Opens `url` in `page`, signs in at the quirks IdP as `user` and allows the client, until the
 * browser requests a URL starting with `prefix` (not sent; returned).
 */
async function through(page, url, prefix, user) {
  const stop = await stopAt(page, prefix);
  try {
    await page.goto(url);
    assert.ok(page.url().startsWith(QUIRKS_IDP), `at the quirks IdP: ${page.url()}`);
    await page.fill('input[name=login]', user.login);
    await page.fill('input[name=password]', user.password);
    await Promise.all([page.waitForNavigation(), page.click('#login button[type=submit]')]);
    if (!stop.captured() && await page.locator('form#consent').count()) {
      await page.click('form#consent button[type=submit]');
    }
    // the form post page submits itself: wait for where it leads
    for (let i = 0; i < 100 && !stop.captured(); i++) await new Promise((r) => setTimeout(r, 100));
  } finally {
    await stop.release();
  }
  assert.ok(stop.captured(), `the browser did not reach ${prefix} (at ${page.url()}: ${(await page.textContent('body'))?.slice(0, 300)})`);
  return stop.captured();
}

async function loginVia(idp, user, context) {
  const page = await context.newPage();
  try {
    const flow = await start(rp, `${RP}/cb`, SCOPE, { idp_hint: idp });
    const callback = await through(page, flow.url.href, `${RP}/cb`, user);
    return { flow, callback };
  } finally {
    await page.close();
  }
}

test('form_post: the IdP POSTs the answer cross-site, the login completes and openid-client accepts the tokens', TIMEOUT, async () => {
  const context = await browser.newContext();
  try {
    const { flow, callback } = await loginVia('quirks-form-post', USERS.ann, context);
    assert.equal(callback.searchParams.get('error'), null, `the login ended in an error: ${callback}`);
    assert.equal(callback.searchParams.get('state'), flow.state);
    const tokens = await redeem(rp, flow, callback);
    const claims = tokens.claims();
    assert.equal(claims.iss, ORCH);
    assert.equal(claims.sub, USERS.ann.sub);
    assert.equal(claims.idp, QUIRKS_IDP);
    const cookies = await context.cookies(ORCH);
    assert.ok(cookies.some((c) => c.name === 'orch_session'), 'a session began in this browser');
  } finally {
    await context.close();
  }
});

test('form_post: the callback POST of another browser\'s login logs no one in (login binding)', TIMEOUT, async () => {
  const attacker = await browser.newContext();
  const victim = await browser.newContext();
  try {
    // the attacker signs in as bob and stops his browser at the orchestrator's /callback: the POST is not sent
    const page = await attacker.newPage();
    const flow = await start(rp, `${RP}/cb`, SCOPE, { idp_hint: 'quirks-form-post' });
    const posted = [];
    page.on('request', (r) => {
      if (r.url().startsWith(`${ORCH}/callback`)) posted.push(r.postData());
    });
    await through(page, flow.url.href, `${ORCH}/callback`, USERS.bob);
    await page.close();
    const form = new URLSearchParams(posted[0]);
    assert.ok(form.get('code') && form.get('state'), `code and state in the POST: ${posted[0]}`);
    recordCode(new URL(`${ORCH}/callback?code=${encodeURIComponent(form.get('code'))}`), 'the IdP\'s code for bob, posted to /callback');

    // the victim has a login of her own in progress (her SameSite=None cookie is in her browser) …
    const victimPage = await victim.newPage();
    const own = await start(rp, `${RP}/cb`, SCOPE, { idp_hint: 'quirks-form-post' });
    const stopAtIdp = await stopAt(victimPage, QUIRKS_IDP);
    await victimPage.goto(own.url.href);
    await stopAtIdp.release();
    assert.ok((await victim.cookies(`${ORCH}/callback`)).some((c) => c.name.startsWith('orch_login_')));
    // … and the attacker's page makes her browser POST his code and state to /callback
    await victimPage.setContent(`<form id="f" method="post" action="${ORCH}/callback">
      <input type="hidden" name="code" value="${form.get('code')}"><input type="hidden" name="state" value="${form.get('state')}">
      </form>`);
    const [response] = await Promise.all([victimPage.waitForResponse(`${ORCH}/callback`), victimPage.evaluate(() => document.getElementById('f').submit())]);
    assert.equal(response.status(), 400);
    assert.match(await response.text(), /not started in this browser/);
    assert.ok(!(await victim.cookies(ORCH)).some((c) => c.name === 'orch_session'), 'no session in the victim\'s browser');
  } finally {
    await attacker.close();
    await victim.close();
  }
});

test('allowed_hd: an account of the pinned Workspace domain logs in', TIMEOUT, async () => {
  const context = await browser.newContext();
  try {
    const { flow, callback } = await loginVia('quirks-hd', USERS.ann, context);
    assert.equal(callback.searchParams.get('error'), null, `the login ended in an error: ${callback}`);
    const tokens = await redeem(rp, flow, callback);
    assert.equal(tokens.claims().sub, USERS.ann.sub);
    assert.equal(tokens.claims().idp, QUIRKS_IDP);
  } finally {
    await context.close();
  }
});

test('allowed_hd: an account of another domain gets access_denied at the client, saying why', TIMEOUT, async () => {
  const context = await browser.newContext();
  try {
    const { flow, callback } = await loginVia('quirks-hd', USERS.bob, context);
    assert.equal(callback.searchParams.get('state'), flow.state);
    assert.equal(callback.searchParams.get('iss'), ORCH);
    await assert.rejects(client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state }),
      (e) => e.error === 'access_denied' && /hosted domain \(hd\)/.test(e.error_description));
    assert.ok(!(await context.cookies(ORCH)).some((c) => c.name === 'orch_session'), 'no session began');
  } finally {
    await context.close();
  }
});
