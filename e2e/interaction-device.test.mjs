// End to end: an API that asks the user for something first, on the TV flow (RFC 8628 with
// ARCHITECTURE "What comes next"). The TV tv-premium asks for media.play and premium.play; the
// premium API's real scope authority (e2e/authority.mjs, ?ask=subscription-page) wants a
// subscription on a page of its own before it grants premium.play. In Debian's chromium, ann enters
// the code at the portal, logs in through the orchestrator at the IdP, and the consent page lists the
// API's message with a link carrying a ticket and return_to; she follows it to the API's page.
//   - Declining there comes back to the consent page, which still lists the step; allowing then gives
//     the TV media.play, and its poll's token response lists premium under interaction_required.
//   - Subscribing there comes back to the consent page, which asks again and lists nothing more;
//     allowing gives the TV a token with media.play and premium.play. The ticket works once.
// The consent page is checked with axe-core, light and dark.
//
// Run through e2e/run.sh, which starts everything and sets:
//   TS_ISSUER, PORTAL_URL, IDP_ISSUER, IDP_ANN_PASSWORD, AUTHORITY_URL, CHROMIUM
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { assertAccessible } from './lib/axe.mjs';
import { recordSecret, recordTokenResponse, KIND } from './lib/secrets.mjs';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run the tests through e2e/run.sh)`);
  return value;
};

const TS_ISSUER = env('TS_ISSUER');
const PORTAL_URL = env('PORTAL_URL');
const IDP_ISSUER = env('IDP_ISSUER');
const AUTHORITY_URL = env('AUTHORITY_URL');
const ANN_PASSWORD = process.env.IDP_ANN_PASSWORD || 'ann-e2e-password';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const TV = 'tv-premium';
const PREMIUM = 'https://api.example/premium';
const MESSAGE = 'Premium is needed to play premium shows.';
const TIMEOUT = { timeout: 150_000 };

const jwks = createRemoteJWKSet(new URL(`${TS_ISSUER}/jwks`));
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// ---- the TV --------------------------------------------------------------------------------

async function postForm(url, params) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, headers: response.headers, text, json };
}

async function requestDeviceCode() {
  const res = await postForm(`${TS_ISSUER}/device_authorization`, { client_id: TV, scope: 'media.play premium.play' });
  assert.equal(res.status, 200, `device_authorization: HTTP ${res.status} ${res.text}`);
  recordSecret(KIND.DEVICE_CODE, res.json.device_code, 'device_authorization of tv-premium');
  return res.json;
}

/** Polls as RFC 8628 §3.5 says until the answer is not authorization_pending / slow_down. */
async function pollUntilDecided(device, maxSeconds = 90) {
  let interval = (device.interval ?? 5) * 1000;
  const deadline = Date.now() + maxSeconds * 1000;
  while (Date.now() < deadline) {
    const res = await postForm(`${TS_ISSUER}/token`, { grant_type: DEVICE_CODE_GRANT, device_code: device.device_code, client_id: TV });
    const error = res.json?.error;
    if (error === 'slow_down') interval += 5000;
    if (error !== 'authorization_pending' && error !== 'slow_down') return res;
    await sleep(interval);
  }
  throw new Error(`no decision within ${maxSeconds} s`);
}

// ---- the person, in a real browser ---------------------------------------------------------

const open = new Set();

async function withBrowser(fn) {
  const userDataDir = await mkdtemp(join(tmpdir(), 'ts-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  open.add(context);
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(20_000);
    return await fn(page);
  } finally {
    open.delete(context);
    await context.close().catch(() => {});
    await rm(userDataDir, { recursive: true, force: true });
  }
}

after(async () => {
  for (const context of open) await context.close().catch(() => {});
});

const onConsentPage = (url) => url.startsWith(`${PORTAL_URL}/device/consent`);

/** A device code; the browser enters it, logs in as ann (portal → orchestrator → IdP) and reaches the consent page. */
async function toConsentPage(page) {
  const device = await requestDeviceCode();
  await page.goto(device.verification_uri_complete);
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(IDP_ISSUER) || onConsentPage(url.href), { timeout: 30_000 }).catch(() => {}),
    page.click('#code-form button[type=submit]'),
  ]);
  for (let step = 0; step < 6 && !onConsentPage(page.url()); step++) {
    await page.waitForLoadState('load');
    if (onConsentPage(page.url())) break;
    assert.ok(page.url().startsWith(IDP_ISSUER), `expected the IdP, got ${page.url()}: ${await page.textContent('body')}`);
    if (await page.locator('input[name=password]').count()) {
      await page.fill('input[name=login]', 'ann');
      await page.fill('input[name=password]', ANN_PASSWORD);
      await Promise.all([page.waitForNavigation(), page.click('#login button[type=submit]')]);
    } else if (await page.locator('form#consent').count()) {
      await Promise.all([page.waitForNavigation(), page.click('form#consent button[type=submit]')]);
    } else {
      throw new Error(`unexpected IdP page ${page.url()}: ${await page.textContent('body')}`);
    }
  }
  await page.waitForSelector('#client-name');
  assert.ok(onConsentPage(page.url()), `expected the consent page, got ${page.url()}`);
  return device;
}

/** The consent page lists the premium API's step: its message, reason, and the link with ticket and return_to. */
async function premiumStep(page) {
  const step = page.locator(`#interactions .interaction[data-resource="${PREMIUM}"]`);
  assert.equal(await step.count(), 1, `the step is listed: ${await page.textContent('main')}`);
  assert.equal((await step.locator('.interaction-message').textContent()).trim(), MESSAGE);
  assert.equal((await step.locator('.reason').textContent()).trim(), 'subscription_required');
  const href = await step.locator('a.button').getAttribute('href');
  const link = new URL(href);
  assert.equal(`${link.origin}${link.pathname}`, `${AUTHORITY_URL}/subscribe`);
  const ticket = link.searchParams.get('ticket');
  assert.match(ticket, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(link.searchParams.get('return_to'), `${PORTAL_URL}/device/consent`);
  recordSecret(KIND.INTERACTION_TICKET, ticket, 'the consent page\'s link to the premium API');
  return { step, ticket };
}

/** axe-core on the page as it is, in light and in dark. */
async function accessible(page, what) {
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    await assertAccessible(page, `${what} (${colorScheme})`);
  }
  await page.emulateMedia({ colorScheme: null });
}

async function allow(page) {
  const [done] = await Promise.all([page.waitForNavigation(), page.click('button[name=decision][value=approve]')]);
  assert.equal(done.status(), 200);
  assert.match(await page.textContent('main'), /You can return to your TV/);
}

// ---- the tests -----------------------------------------------------------------------------

test('declined at the API\'s page: back on the consent page, allowed; the poll carries interaction_required', TIMEOUT, async () => {
  await withBrowser(async (page) => {
    const device = await toConsentPage(page);
    const { step } = await premiumStep(page);
    assert.deepEqual((await page.locator('#scopes li').allTextContents()).map((s) => s.trim()), ['Play media']);
    await accessible(page, 'the consent page with a step');

    // a plain link: the browser goes to the API's page, which offers the subscription or "No thanks"
    await Promise.all([page.waitForNavigation(), step.locator('a.button').click()]);
    assert.ok(page.url().startsWith(`${AUTHORITY_URL}/subscribe?`), page.url());
    assert.match(await page.textContent('h1'), /Subscribe to Premium/);
    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${PORTAL_URL}/device/consent?user_code=`)), page.click('#decline')]);
    await premiumStep(page); // asked again: still waiting, listed with a fresh ticket

    await allow(page);
    const res = await pollUntilDecided(device);
    assert.equal(res.status, 200, res.text);
    recordTokenResponse(res.json, 'device_code poll of tv-premium (declined)');
    assert.equal(res.json.scope, 'media.play');
    assert.equal(res.json.interaction_required.length, 1, res.text);
    const [waiting] = res.json.interaction_required;
    assert.equal(waiting.resource, PREMIUM);
    assert.equal(waiting.reason, 'subscription_required');
    assert.equal(waiting.message, MESSAGE);
    assert.ok(waiting.url.startsWith(`${AUTHORITY_URL}/subscribe?offer=`), waiting.url);
    const { payload } = await jwtVerify(res.json.access_token, jwks, { issuer: TS_ISSUER, typ: 'at+jwt' });
    assert.equal(payload.sub, 'ann-001');
    assert.equal(payload.scope, 'media.play');
  });
});

test('subscribed at the API\'s page: back on the consent page, nothing waits; the TV\'s token has media.play and premium.play', TIMEOUT, async () => {
  await withBrowser(async (page) => {
    const device = await toConsentPage(page);
    const { step } = await premiumStep(page);

    await Promise.all([page.waitForNavigation(), step.locator('a.button').click()]);
    const returns = [];
    page.on('request', (r) => { if (r.isNavigationRequest() && r.url().startsWith(`${PORTAL_URL}/device/consent?ticket=`)) returns.push(r.url()); });
    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${PORTAL_URL}/device/consent?user_code=`)),
      page.click('#subscribe button[type=submit]')]);
    assert.equal(returns.length, 1, 'the API\'s page sent the browser to return_to with the ticket');

    assert.equal(await page.locator('#interactions').count(), 0, await page.textContent('main'));
    assert.deepEqual((await page.locator('#scopes li').allTextContents()).map((s) => s.trim()).sort(), ['Play media', 'premium.play']);
    await accessible(page, 'the consent page after the step');

    // the ticket worked once: the same way back again is an error page, and approves nothing
    const replay = await page.goto(returns[0]);
    assert.equal(replay.status(), 400);
    assert.match(await page.textContent('main'), /This link has expired/);
    await accessible(page, 'the expired-ticket page');

    await page.goto(`${PORTAL_URL}/device/consent?user_code=${device.user_code}`);
    await allow(page);
    const res = await pollUntilDecided(device);
    assert.equal(res.status, 200, res.text);
    recordTokenResponse(res.json, 'device_code poll of tv-premium (subscribed)');
    assert.equal(res.json.interaction_required, undefined, res.text);
    const { payload } = await jwtVerify(res.json.access_token, jwks, { issuer: TS_ISSUER, typ: 'at+jwt' });
    assert.equal(payload.sub, 'ann-001');
    assert.equal(payload.idp, IDP_ISSUER);
    assert.equal(payload.client_id, TV);
    assert.deepEqual(String(payload.scope).split(' ').sort(), ['media.play', 'premium.play']);
    assert.ok([payload.aud].flat().includes(PREMIUM), `aud ${payload.aud}`);
  });
});
