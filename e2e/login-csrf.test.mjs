// The attack (login CSRF / session swap, RFC 9700 §4.7): the attacker starts a login at a client,
// signs in at the IdP as himself (bob), stops before his browser follows the orchestrator's
// /callback?code=…&state=… and gets the victim (ann, signed in already) to open that URL. Were it
// to complete there, the victim's browser would carry the attacker's session and her next login at
// any client would silently be bob. ARCHITECTURE.md "Trust and abuse", Login binding: a callback
// URL opened in any other browser than the one that started the login answers 400 with an error
// page and creates or changes no session there.
//
// Two chromium contexts — two cookie jars, two people — driven by playwright-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { launchChromium, navigateUntil, stopAt } from './lib/chromium.mjs';
import { ORCH, RP, USERS, rp, start, redeem, recordCode } from './lib/orchestrator.mjs';

const TIMEOUT = { timeout: 90_000 };
const SCOPE = 'openid profile email';

let browser;
let victim;   // ann's browser context
let attacker; // bob's

before(async () => {
  browser = await launchChromium();
  victim = await browser.newContext();
  attacker = await browser.newContext();
});

after(async () => {
  await browser?.close();
});

/** A login of `context` at e2e-rp through the orchestrator; returns the client's validated tokens. */
async function loginAtClient(context, user, extra = {}) {
  const page = await context.newPage();
  try {
    const flow = await start(rp, `${RP}/cb`, SCOPE, extra);
    const callback = await navigateUntil(page, flow.url.href, `${RP}/cb`, user);
    assert.equal(callback.searchParams.get('error'), null, `the login ended in an error: ${callback}`);
    return await redeem(rp, flow, callback);
  } finally {
    await page.close();
  }
}

/** The attacker's half: a login signed in upstream as bob, stopped at the orchestrator's /callback. */
async function attackerCallbackUrl() {
  const page = await attacker.newPage();
  try {
    // prompt=login: to the IdP even when an earlier round left bob a session at the orchestrator
    const flow = await start(rp, `${RP}/cb`, SCOPE, { prompt: 'login' });
    const callback = await navigateUntil(page, flow.url.href, `${ORCH}/callback`, USERS.bob);
    recordCode(callback, 'the IdP\'s code for bob, intercepted at the orchestrator\'s /callback');
    assert.ok(callback.searchParams.get('code') && callback.searchParams.get('state'), `code and state in ${callback}`);
    return { flow, callback };
  } finally {
    await page.close();
  }
}

const orchestratorCookies = async (context) => (await context.cookies(ORCH)).map((c) => `${c.name}=${c.value}`).sort();

test('control: an intercepted callback URL opened in the browser that started the login completes it (bob)', TIMEOUT, async () => {
  const { flow, callback } = await attackerCallbackUrl();
  const page = await attacker.newPage();
  try {
    const atClient = await navigateUntil(page, callback.href, `${RP}/cb`);
    const tokens = await redeem(rp, flow, atClient);
    assert.equal(tokens.claims().sub, USERS.bob.sub, 'the interception itself breaks nothing');
  } finally {
    await page.close();
  }
});

test('the victim signs in at the client as ann', TIMEOUT, async () => {
  const tokens = await loginAtClient(victim, USERS.ann);
  assert.equal(tokens.claims().sub, USERS.ann.sub);
  assert.ok((await orchestratorCookies(victim)).length > 0, 'ann has a session cookie at the orchestrator');
});

test('the attacker\'s callback URL opened in the victim\'s browser answers 400 with an error page and changes no cookie', TIMEOUT, async () => {
  const { callback } = await attackerCallbackUrl();
  const cookiesBefore = await orchestratorCookies(victim);

  const page = await victim.newPage();
  const client = await stopAt(page, `${RP}/cb`); // were the victim sent on to the client, her browser stops there
  try {
    const callbackResponse = page.waitForResponse((r) => r.url().startsWith(`${ORCH}/callback`));
    await page.goto(callback.href);
    const response = await callbackResponse;

    assert.equal(response.status(), 400,
      `the callback answered ${response.status()} ${response.headers().location ?? ''} in the victim's browser`);
    assert.match(response.headers()['content-type'] ?? '', /^text\/html/);
    assert.ok((await page.textContent('body'))?.trim(), 'an error page with text, not an empty body');
    assert.deepEqual(client.all().map(String), [], 'the victim\'s browser was sent on to the client with a code');
    assert.deepEqual(await orchestratorCookies(victim), cookiesBefore, 'the victim\'s orchestrator cookies changed');
  } finally {
    await client.release();
    await page.close();
  }
});

test('afterwards the victim\'s next login at the client (prompt=none, from her session) is still ann, not bob', TIMEOUT, async () => {
  const tokens = await loginAtClient(victim, undefined, { prompt: 'none' });
  assert.equal(tokens.claims().sub, USERS.ann.sub, `the victim is now ${tokens.claims().sub}`);
});
