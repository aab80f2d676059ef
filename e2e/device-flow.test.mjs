// End to end: the device authorization grant (RFC 8628) with a real browser.
//
// A "TV" asks the token service for a device code; a person opens the device portal in Debian's
// chromium (driven by playwright-core), logs in through the orchestrator (the portal is its OIDC
// client) at a real upstream OpenID provider (oidc-provider, e2e/idp.mjs), sees the consent page
// and approves or denies;
// the TV's poll at /token then gets an access token that verifies against /jwks — or access_denied.
// Also: refresh, CSRF on the consent form, the wrong-code limit of a browser session, and the
// browser's SSO session at the orchestrator serving a silent login. Every device code, code and
// token seen is recorded for the datastore scan (e2e/datastore-scan.test.mjs).
//
// Run through e2e/run.sh, which starts everything and sets:
//   TS_ISSUER, PORTAL_URL, ORCH_ISSUER, IDP_ISSUER, IDP_ANN_PASSWORD, DEVICE_PORTAL_SECRET, CHROMIUM
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';

import { navigateUntil } from './lib/chromium.mjs';
import { recordSecret, recordTokenResponse, KIND } from './lib/secrets.mjs';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run the tests through e2e/run.sh)`);
  return value;
};

const TS_ISSUER = env('TS_ISSUER');
const PORTAL_URL = env('PORTAL_URL');
const ORCH_ISSUER = env('ORCH_ISSUER');
const IDP_ISSUER = env('IDP_ISSUER');
const ANN_PASSWORD = process.env.IDP_ANN_PASSWORD || 'ann-e2e-password';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;
const TV = 'tv-app';
const TV_SCOPE = 'media.play invoices.read';
const TIMEOUT = { timeout: 120_000 };

const jwks = createRemoteJWKSet(new URL(`${TS_ISSUER}/jwks`));

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

/** RFC 8628 §3.1: the TV asks for a device code and a user code. */
async function requestDeviceCode() {
  const res = await postForm(`${TS_ISSUER}/device_authorization`, { client_id: TV, scope: TV_SCOPE });
  assert.equal(res.status, 200, `device_authorization: HTTP ${res.status} ${res.text}`);
  recordSecret(KIND.DEVICE_CODE, res.json.device_code, 'device_authorization of tv-app');
  return res.json;
}

/** One poll of /token (RFC 8628 §3.4). */
function pollOnce(device) {
  return postForm(`${TS_ISSUER}/token`, { grant_type: DEVICE_CODE_GRANT, device_code: device.device_code, client_id: TV });
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/**
 * Polls like a well-behaved device (RFC 8628 §3.5): waits `interval` seconds between polls, 5 s
 * more after each slow_down, keeps going on authorization_pending; returns the first other answer.
 */
async function pollUntilDecided(device, { maxSeconds = 90 } = {}) {
  let interval = (device.interval ?? 5) * 1000;
  const deadline = Date.now() + maxSeconds * 1000;
  const seen = [];
  while (Date.now() < deadline) {
    const res = await pollOnce(device);
    const error = res.json?.error;
    seen.push(res.status === 200 ? 'tokens' : error);
    if (error === 'authorization_pending') {
      await sleep(interval);
    } else if (error === 'slow_down') {
      interval += 5000;
      await sleep(interval);
    } else {
      return { ...res, seen, interval };
    }
  }
  throw new Error(`no decision within ${maxSeconds} s (polls: ${seen.join(', ')})`);
}

// ---- the person, in a real browser ---------------------------------------------------------

const openContexts = new Set();

/** A fresh chromium profile (its own user-data-dir: no cookies from other tests), closed after `fn`. */
async function withBrowser(fn) {
  const userDataDir = await mkdtemp(join(tmpdir(), 'ts-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true, // playwright passes --headless
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  openContexts.add(context);
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(20_000);
    return await fn(page, context);
  } finally {
    openContexts.delete(context);
    await context.close().catch(() => {});
    await rm(userDataDir, { recursive: true, force: true });
  }
}

after(async () => {
  for (const context of openContexts) await context.close().catch(() => {});
});

const onConsentPage = (url) => url.startsWith(`${PORTAL_URL}/device/consent`);

/**
 * From the code page with the code filled in: submit it, which sends the browser to the
 * orchestrator's /authorize and on (redirects only: one upstream, no page of the orchestrator's
 * own) to the IdP; log in there as ann (and allow the orchestrator there, the first time); back
 * through the orchestrator's /callback to the portal's. Returns the portal's consent page response.
 */
async function submitCodeAndLogIn(page) {
  const consentResponse = page.waitForResponse(
    (r) => onConsentPage(r.url()) && r.request().method() === 'GET' && r.status() === 200,
    { timeout: 30_000 },
  );
  consentResponse.catch(() => {}); // a failure below is the one to report, not this wait's
  const visited = [];
  const onRequest = (request) => { if (request.isNavigationRequest()) visited.push(request.url()); };
  page.on('request', onRequest);
  // Several hops (portal → orchestrator → IdP), the first of them possibly slow (the portal
  // discovers the orchestrator lazily): wait until the browser has arrived, not just for a load.
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(IDP_ISSUER) || onConsentPage(url.href), { timeout: 30_000 })
      .catch(() => {}), // the assertion below reports where it is instead
    page.click('#code-form button[type=submit]'),
  ]);
  for (let step = 0; step < 6 && !onConsentPage(page.url()); step++) {
    await page.waitForLoadState('load');
    if (onConsentPage(page.url())) break;
    assert.ok(page.url().startsWith(IDP_ISSUER),
      `expected the IdP, got ${page.url()} (via ${visited.join(' → ')}): ${await page.textContent('body')}`);
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
  const response = await consentResponse;
  page.off('request', onRequest);
  // The login went through the orchestrator: the portal asked it (client device-portal), and it
  // asked the IdP (as its client orch-upstream), whose answer came back to its /callback.
  const at = (prefix) => visited.filter((u) => u.startsWith(prefix));
  for (const u of at(`${ORCH_ISSUER}/callback`)) {
    recordSecret(KIND.AUTHORIZATION_CODE, new URL(u).searchParams.get('code'), 'the IdP\'s code at the orchestrator\'s /callback');
  }
  for (const u of at(`${PORTAL_URL}/callback`)) {
    recordSecret(KIND.AUTHORIZATION_CODE, new URL(u).searchParams.get('code'), 'the orchestrator\'s code at the portal\'s /callback');
  }
  const orchAuthorize = at(`${ORCH_ISSUER}/`).map((u) => new URL(u)).find((u) => u.searchParams.get('client_id') === 'device-portal');
  assert.ok(orchAuthorize, `the portal sends the browser to the orchestrator: ${visited.join(' → ')}`);
  assert.ok(at(`${IDP_ISSUER}/`).some((u) => new URL(u).searchParams.get('client_id') === 'orch-upstream'),
    `the orchestrator sends the browser to the IdP: ${visited.join(' → ')}`);
  assert.ok(at(`${ORCH_ISSUER}/callback`).length > 0, `the IdP answers to the orchestrator: ${visited.join(' → ')}`);
  assert.ok(!at(`${IDP_ISSUER}/`).some((u) => new URL(u).searchParams.get('client_id') === 'device-portal'),
    'the portal never goes to the IdP directly');
  return response;
}

/** A device code, the browser through login to its consent page; returns { device, consent }. */
async function toConsentPage(page) {
  const device = await requestDeviceCode();
  await page.goto(device.verification_uri_complete);
  assert.equal(await page.inputValue('input[name=user_code]'), device.user_code, 'verification_uri_complete pre-fills the code');
  const consent = await submitCodeAndLogIn(page);
  assert.ok(onConsentPage(page.url()), `expected the consent page, got ${page.url()}`);
  return { device, consent };
}

async function submitFormAndWait(page, selector) {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return response;
}

function randomUnknownCode() {
  const alphabet = 'BCDFGHJKLMNPQRSTVWXZ';
  let code = '';
  for (let i = 0; i < 8; i++) code += alphabet[Math.floor(Math.random() * alphabet.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

// ---- the tests -----------------------------------------------------------------------------

let tvTokens; // the approve test's poll answer, refreshed by the next test

test('the TV gets a device code, a user code and the portal\'s verification URIs', TIMEOUT, async () => {
  const device = await requestDeviceCode();
  assert.match(device.user_code, USER_CODE);
  assert.ok(typeof device.device_code === 'string' && device.device_code.length >= 22, 'device_code with ≥ 128 bits');
  assert.equal(device.verification_uri, `${PORTAL_URL}/device`);
  assert.equal(device.verification_uri_complete, `${PORTAL_URL}/device?user_code=${encodeURIComponent(device.user_code)}`);
  assert.ok(device.expires_in > 0 && device.interval > 0, JSON.stringify(device));
  const first = await pollOnce(device);
  assert.equal(first.status, 400);
  assert.equal(first.json.error, 'authorization_pending', first.text);
});

test('approve in the browser: the poll gets an access token for ann that verifies against /jwks; once', TIMEOUT, async () => {
  await withBrowser(async (page) => {
    const { device, consent } = await toConsentPage(page);

    // The consent page: the device's name, the scopes in words, the code to compare, a warning.
    assert.equal((await page.textContent('#client-name')).trim(), 'Living-room TV');
    assert.equal((await page.textContent('#user-code')).trim(), device.user_code);
    const scopes = await page.locator('#scopes li').allTextContents();
    assert.deepEqual(scopes.map((s) => s.trim()).sort(), ['Play media', 'Read your invoices']);
    assert.match(await page.textContent('.warning'), /A device is asking for access to your account/);
    assert.match(await page.textContent('#user-name'), /Ann Example/);
    const headers = consent.headers();
    assert.equal(headers['x-frame-options'], 'DENY');
    assert.match(headers['content-security-policy'], /frame-ancestors 'none'/);
    assert.doesNotMatch(headers['content-security-policy'], /unsafe-inline/);
    assert.equal(headers['cache-control'], 'no-store');
    assert.equal(headers['referrer-policy'], 'no-referrer');

    const done = await submitFormAndWait(page, 'button[name=decision][value=approve]');
    assert.equal(done.status(), 200);
    assert.match(await page.textContent('main'), /You can return to your TV/);

    const res = await pollUntilDecided(device);
    assert.equal(res.status, 200, `poll: HTTP ${res.status} ${res.text} (polls: ${res.seen.join(', ')})`);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.json.token_type, 'Bearer');
    const { payload, protectedHeader } = await jwtVerify(res.json.access_token, jwks, { issuer: TS_ISSUER, typ: 'at+jwt' });
    assert.equal(protectedHeader.typ, 'at+jwt');
    assert.equal(payload.sub, 'ann-001');
    assert.equal(payload.idp, IDP_ISSUER);
    assert.equal(payload.client_id, TV);
    assert.ok(String(payload.scope).split(' ').includes('media.play'), `scope ${payload.scope}`);
    assert.ok(res.json.refresh_token, 'tv-app may use refresh_token');
    recordTokenResponse(res.json, 'device_code poll of tv-app');
    tvTokens = res.json;

    await sleep(res.interval);
    const again = await pollOnce(device);
    assert.equal(again.status, 400, again.text);
    assert.equal(again.json.error, 'invalid_grant', 'a device code gives tokens once');
  });
});

test('the TV refreshes: new tokens, and its old refresh token again is invalid_grant', TIMEOUT, async () => {
  assert.ok(tvTokens, 'the approve test did not give the TV tokens');
  const refreshed = await postForm(`${TS_ISSUER}/token`, { grant_type: 'refresh_token', refresh_token: tvTokens.refresh_token, client_id: TV });
  assert.equal(refreshed.status, 200, refreshed.text);
  recordTokenResponse(refreshed.json, 'refresh of tv-app');
  assert.notEqual(refreshed.json.refresh_token, tvTokens.refresh_token, 'rotated');
  const { payload } = await jwtVerify(refreshed.json.access_token, jwks, { issuer: TS_ISSUER, typ: 'at+jwt' });
  assert.equal(payload.sub, 'ann-001');
  const again = await postForm(`${TS_ISSUER}/token`, { grant_type: 'refresh_token', refresh_token: tvTokens.refresh_token, client_id: TV });
  assert.equal(again.status, 400, again.text);
  assert.equal(again.json?.error, 'invalid_grant', again.text);
});

test('deny in the browser: the poll gets access_denied', TIMEOUT, async () => {
  await withBrowser(async (page) => {
    const { device } = await toConsentPage(page);
    const done = await submitFormAndWait(page, 'button[name=decision][value=deny]');
    assert.equal(done.status(), 200);
    assert.match(await page.textContent('#outcome'), /Denied/);

    const res = await pollUntilDecided(device);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.error, 'access_denied', res.text);
  });
});

test('CSRF: the consent form posted without or with a wrong token is refused (403) and decides nothing', TIMEOUT, async () => {
  await withBrowser(async (page) => {
    const { device } = await toConsentPage(page);
    const action = `${PORTAL_URL}/device/consent?user_code=${device.user_code}`;

    // Posted from the logged-in browser (its cookies), as a cross-site form would be, minus the token.
    const without = await page.request.post(action, { form: { decision: 'approve' }, maxRedirects: 0 });
    assert.equal(without.status(), 403);
    assert.match(await without.text(), /This form has expired/);
    const wrong = await page.request.post(action, { form: { decision: 'approve', csrf: 'not-the-token' }, maxRedirects: 0 });
    assert.equal(wrong.status(), 403);

    // The real form with its token tampered with, submitted by clicking Allow.
    await page.locator('#consent input[name=csrf]').evaluate((input) => { input.value = 'tampered'; });
    const tampered = await submitFormAndWait(page, 'button[name=decision][value=approve]');
    assert.equal(tampered.status(), 403);

    const poll = await pollOnce(device);
    assert.equal(poll.json?.error, 'authorization_pending', `the record stays pending: ${poll.text}`);
  });
});

test('rate limit: the 6th wrong code in one browser session answers 429 with a try-later page', TIMEOUT, async () => {
  await withBrowser(async (page) => {
    await page.goto(`${PORTAL_URL}/device`);
    for (let attempt = 1; attempt <= 6; attempt++) {
      await page.fill('input[name=user_code]', randomUnknownCode());
      const response = await submitFormAndWait(page, '#code-form button[type=submit]');
      if (attempt <= 5) {
        assert.equal(response.status(), 200, `attempt ${attempt}`);
        assert.match(await page.textContent('#message'), /That code is not valid/);
      } else {
        assert.equal(response.status(), 429, `attempt ${attempt}`);
        assert.match(await page.textContent('main'), /try again later/i);
        assert.ok(Number(response.headers()['retry-after']) > 0, 'Retry-After');
      }
    }
    // Over the limit even a right code waits: guesses past the limit learn nothing.
    const device = await requestDeviceCode();
    await page.goto(`${PORTAL_URL}/device`);
    await page.fill('input[name=user_code]', device.user_code);
    const response = await submitFormAndWait(page, '#code-form button[type=submit]');
    assert.equal(response.status(), 429);
  });
});

test('the browser\'s session at the orchestrator signs the portal\'s client in silently (tokens recorded for the datastore scan)', TIMEOUT, async () => {
  await withBrowser(async (page) => {
    await toConsentPage(page); // ann's browser now has an SSO session at the orchestrator

    // The portal's own authorization request, made by the test with the portal's credentials, so
    // that the tokens of this login — the upstream id_token the session holds among them — are seen.
    const portal = await client.discovery(new URL(ORCH_ISSUER), 'device-portal', { client_secret: env('DEVICE_PORTAL_SECRET') },
      client.ClientSecretBasic(env('DEVICE_PORTAL_SECRET')), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(portal, {
      redirect_uri: `${PORTAL_URL}/callback`, scope: 'openid profile email', prompt: 'none', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const callback = await navigateUntil(page, url.href, `${PORTAL_URL}/callback`);
    assert.equal(callback.searchParams.get('error'), null, `silent login: ${callback}`);
    recordSecret(KIND.AUTHORIZATION_CODE, callback.searchParams.get('code'), 'orchestrator code for device-portal (silent login)');
    const tokens = await client.authorizationCodeGrant(portal, callback, {
      pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
    });
    recordTokenResponse(tokens, 'orchestrator login of device-portal');
    assert.equal(tokens.claims().sub, 'ann-001');
    assert.ok(tokens.upstream_id_token, 'the orchestrator returns the upstream id_token');
  });
});
