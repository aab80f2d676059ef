// "What comes next" in a real browser (ARCHITECTURE.md, "What comes next: interaction an API asks
// for"): the premium API's authority (e2e/interaction-api.mjs) answers interaction_required for a
// user who has not subscribed; the orchestrator sends the browser to the API's subscription page
// with a ticket and return_to=<orchestrator>/continue, the page sends it back, and the login
// finishes with what is granted then: premium.watch after subscribing, without it after "No
// thanks" (the client's token response then says what waits). A ticket opened in another browser,
// or used twice, is an error page and completes no login.
//
// Headless chromium (playwright-core), one context per person; run by e2e/run-orchestrator.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { createRemoteJWKSet, jwtVerify } from 'jose';

import { launchChromium, stopAt } from './lib/chromium.mjs';
import { ORCH, RP, TS, USERS, rp, start, redeem } from './lib/orchestrator.mjs';
import { recordSecret, KIND } from './lib/secrets.mjs';

const TIMEOUT = { timeout: 90_000 };
const PREMIUM = 'https://api.example/premium';
const SCOPE = 'openid email invoices.read premium.watch';
const INTERACTION_API = process.env.INTERACTION_API;
if (!INTERACTION_API) throw new Error('INTERACTION_API is not set (run the tests through e2e/run-orchestrator.sh)');
const jwks = createRemoteJWKSet(new URL(`${TS}/jwks`));

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/**
 * Starts a login of e2e-rp in `page` and goes through the e2e IdP's pages as `user` until the
 * browser shows the API's subscription page; returns the flow and that page's URL.
 */
async function toSubscriptionPage(page, user) {
  const flow = await start(rp, `${RP}/cb`, SCOPE);
  await page.goto(flow.url.href);
  for (let step = 0; step < 6 && !page.url().startsWith(`${INTERACTION_API}/subscribe`); step++) {
    if (await page.locator('input[name=password]').count()) {
      await page.fill('input[name=login]', user.login);
      await page.fill('input[name=password]', user.password);
      await Promise.all([page.waitForNavigation(), page.click('#login button[type=submit]')]);
    } else if (await page.locator('form#consent').count()) {
      await Promise.all([page.waitForNavigation(), page.click('form#consent button[type=submit]')]);
    } else {
      throw new Error(`neither the subscription page nor an IdP form at ${page.url()}: ${(await page.textContent('body'))?.slice(0, 300)}`);
    }
  }
  const detour = new URL(page.url());
  assert.ok(detour.href.startsWith(`${INTERACTION_API}/subscribe?offer=`), `the browser is at ${detour}`);
  const ticket = detour.searchParams.get('ticket');
  recordSecret(KIND.INTERACTION_TICKET, ticket, `the ticket of ${user.login}'s login at the subscription page`);
  assert.match(ticket ?? '', /^[A-Za-z0-9_-]{43}$/, 'an opaque 256-bit ticket');
  assert.equal(detour.searchParams.get('return_to'), `${ORCH}/continue`);
  assert.ok(detour.searchParams.get('offer'), 'the API\'s own query is kept');
  assert.match(await page.textContent('#message'), /Premium is needed/);
  return { flow, detour, ticket };
}

/** Clicks `selector` on the subscription page and returns where the browser reached the client. */
async function backToClient(page, selector) {
  const atClient = await stopAt(page, `${RP}/cb`);
  try {
    await Promise.all([page.waitForNavigation(), page.click(selector)]);
    assert.ok(atClient.captured(), `the browser did not reach the client (at ${page.url()})`);
    return atClient.captured();
  } finally {
    await atClient.release();
  }
}

/** Opens `url` in `page`; answers the response of the orchestrator's /continue. */
async function openContinue(page, url) {
  const client = await stopAt(page, `${RP}/cb`);
  try {
    const response = page.waitForResponse((r) => r.url().startsWith(`${ORCH}/continue`));
    await page.goto(url);
    return { response: await response, sentToClient: client.all() };
  } finally {
    await client.release();
  }
}

async function assertErrorPage(page, { response, sentToClient }) {
  assert.equal(response.status(), 400, `/continue answered ${response.status()} ${response.headers().location ?? ''}`);
  assert.match(response.headers()['content-type'] ?? '', /^text\/html/);
  assert.ok((await page.textContent('body'))?.trim(), 'an error page with text, not an empty body');
  assert.deepEqual(sentToClient.map(String), [], 'the browser was sent on to the client');
}

let bobsDetour;

test('bob, not subscribed, is sent to the API\'s subscription page with a ticket; in another browser that ticket is an error page', TIMEOUT, async () => {
  const bob = await browser.newContext();
  const page = await bob.newPage();
  bobsDetour = { context: bob, page, ...(await toSubscriptionPage(page, USERS.bob)) };

  const attacker = await browser.newContext();
  try {
    const attackerPage = await attacker.newPage();
    const continueUrl = `${ORCH}/continue?ticket=${encodeURIComponent(bobsDetour.ticket)}`;
    await assertErrorPage(attackerPage, await openContinue(attackerPage, continueUrl));
  } finally {
    await attacker.close();
  }
});

test('bob declines ("No thanks"): the login finishes without premium.watch and the client is told what waits', TIMEOUT, async () => {
  const { context, page, flow, ticket } = bobsDetour;
  try {
    // the ticket opened elsewhere before changed nothing: bob's own browser continues
    const callback = await backToClient(page, '#decline');
    assert.equal(callback.searchParams.get('error'), null, `the login ended in an error: ${callback}`);
    const tokens = await redeem(rp, flow, callback);
    assert.equal(tokens.claims().sub, USERS.bob.sub);
    assert.deepEqual(tokens.scope.split(' ').sort(), ['email', 'invoices.read', 'openid']);
    assert.equal(tokens.access_tokens?.[PREMIUM], undefined, 'no premium token');
    assert.ok(tokens.access_tokens?.['https://api.example/invoices'], 'the other API\'s token is there');
    assert.equal(tokens.interaction_required?.length, 1, JSON.stringify(tokens.interaction_required));
    const [waiting] = tokens.interaction_required;
    assert.equal(waiting.resource, PREMIUM);
    assert.equal(waiting.reason, 'subscription_required');
    assert.match(waiting.url, new RegExp(`^${INTERACTION_API}/subscribe\\?offer=`));
    assert.match(waiting.message, /Premium is needed/);

    // the same ticket again, in the same browser: used
    const continueUrl = `${ORCH}/continue?ticket=${encodeURIComponent(ticket)}&declined=true`;
    await assertErrorPage(page, await openContinue(page, continueUrl));
  } finally {
    await context.close();
  }
});

test('ann subscribes: back at the client, the premium API\'s token carries premium.watch and verifies against the token service\'s JWKS', TIMEOUT, async () => {
  const ann = await browser.newContext();
  try {
    const page = await ann.newPage();
    const { flow, ticket } = await toSubscriptionPage(page, USERS.ann);
    const callback = await backToClient(page, '#subscribe button');
    assert.equal(callback.searchParams.get('error'), null, `the login ended in an error: ${callback}`);
    assert.equal(callback.searchParams.get('state'), flow.state);
    const tokens = await redeem(rp, flow, callback);
    assert.equal(tokens.claims().sub, USERS.ann.sub);
    assert.deepEqual(tokens.scope.split(' ').sort(), ['email', 'invoices.read', 'openid', 'premium.watch']);
    assert.equal(tokens.interaction_required, undefined);
    const premium = tokens.access_tokens?.[PREMIUM];
    assert.equal(premium?.scope, 'premium.watch');
    const { payload } = await jwtVerify(premium.access_token, jwks, { issuer: TS, audience: PREMIUM, typ: 'at+jwt' });
    assert.equal(payload.scope, 'premium.watch');

    // the ticket was single use
    await assertErrorPage(page, await openContinue(page, `${ORCH}/continue?ticket=${encodeURIComponent(ticket)}`));

    // the API remembers the subscription: ann's next login goes straight to the client with premium.watch
    const again = await start(rp, `${RP}/cb`, SCOPE);
    const client = await stopAt(page, `${RP}/cb`);
    try {
      await page.goto(again.url.href);
      assert.ok(client.captured(), `the second login did not go straight to the client (at ${page.url()})`);
      const second = await redeem(rp, again, client.captured());
      assert.ok(second.scope.split(' ').includes('premium.watch'));
    } finally {
      await client.release();
    }
  } finally {
    await ann.close();
  }
});
