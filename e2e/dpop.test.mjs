// End to end: DPoP (RFC 9449) at the token service, with keys and proofs made by the npm `jose`
// package and by openid-client's own DPoP support, independently of the server's code.
//
// - client_credentials through openid-client (a client registered with dpop_bound_access_tokens):
//   the token verifies against /jwks and its cnf.jkt is the RFC 7638 thumbprint of the client's key;
//   without a proof it is refused; a proof replayed or made for another endpoint is refused.
// - the device flow (a person approves in Debian's chromium, through the orchestrator and the IdP):
//   the TV proves its key at /device_authorization; a poll with another key gets nothing; its tokens
//   are bound, and its refresh token needs the same key.
// Every token, device code and proof seen is recorded for the datastore scan.
//
// Run through e2e/run.sh, which starts everything and sets:
//   TS_ISSUER, PORTAL_URL, IDP_ISSUER, IDP_ANN_PASSWORD, E2E_DPOP_WORKER_SECRET, CHROMIUM
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';
import { SignJWT, calculateJwkThumbprint, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import * as client from 'openid-client';

import { recordSecret, recordTokenResponse, KIND } from './lib/secrets.mjs';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run the tests through e2e/run.sh)`);
  return value;
};

const TS_ISSUER = env('TS_ISSUER');
const PORTAL_URL = env('PORTAL_URL');
const IDP_ISSUER = env('IDP_ISSUER');
const ANN_PASSWORD = process.env.IDP_ANN_PASSWORD || 'ann-e2e-password';
const WORKER = 'e2e-dpop-worker';
const WORKER_SECRET = env('E2E_DPOP_WORKER_SECRET');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const TV = 'tv-app';
const TOKEN_URL = `${TS_ISSUER}/token`;
const TIMEOUT = { timeout: 150_000 };

const jwks = createRemoteJWKSet(new URL(`${TS_ISSUER}/jwks`));
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// ---- keys and proofs (jose) ----------------------------------------------------------------

/** A DPoP key: its pair, its public JWK and that JWK's RFC 7638 thumbprint. */
async function dpopKey() {
  const pair = await generateKeyPair('ES256');
  const jwk = await exportJWK(pair.publicKey);
  return { pair, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/** RFC 9449 §4.2: a fresh proof of `key` for one request. */
async function proof(key, htu, { htm = 'POST', jti = randomUUID() } = {}) {
  const jwt = await new SignJWT({ htm, htu, jti })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .setIssuedAt()
    .sign(key.pair.privateKey);
  recordSecret(KIND.DPOP_PROOF, jwt, `proof for ${htm} ${htu}`);
  recordSecret(KIND.DPOP_PROOF, jti, `jti of a proof for ${htm} ${htu}`);
  return jwt;
}

async function postForm(url, params, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, headers: response.headers, text, json };
}

const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** Verifies an access token against /jwks and returns its claims. */
async function claimsOf(accessToken) {
  const { payload } = await jwtVerify(accessToken, jwks, { issuer: TS_ISSUER, typ: 'at+jwt' });
  return payload;
}

// ---- client_credentials --------------------------------------------------------------------

test('openid-client with DPoP: a client_credentials token bound to the client\'s key (cnf.jkt)', TIMEOUT, async () => {
  const config = await client.discovery(new URL(TS_ISSUER), WORKER, undefined, client.ClientSecretBasic(WORKER_SECRET),
    { execute: [client.allowInsecureRequests] });
  assert.ok(config.serverMetadata().dpop_signing_alg_values_supported.includes('ES256'), 'discovery lists the proof algorithms');
  const pair = await client.randomDPoPKeyPair('ES256');
  const jkt = await calculateJwkThumbprint(await exportJWK(pair.publicKey));
  const tokens = await client.clientCredentialsGrant(config, { scope: 'media.play' }, { DPoP: client.getDPoPHandle(config, pair) });
  recordTokenResponse(tokens, 'client_credentials of e2e-dpop-worker (openid-client)');
  assert.equal(tokens.token_type.toLowerCase(), 'dpop');
  const payload = await claimsOf(tokens.access_token);
  assert.equal(payload.client_id, WORKER);
  assert.deepEqual(payload.cnf, { jkt });

  const introspection = await postForm(`${TS_ISSUER}/introspect`, { token: tokens.access_token },
    { authorization: basic(WORKER, WORKER_SECRET) });
  assert.equal(introspection.status, 200, introspection.text);
  assert.equal(introspection.json.token_type, 'DPoP');
  assert.deepEqual(introspection.json.cnf, { jkt });
});

test('a client registered with dpop_bound_access_tokens gets nothing without a proof', TIMEOUT, async () => {
  const res = await postForm(TOKEN_URL, { grant_type: 'client_credentials' }, { authorization: basic(WORKER, WORKER_SECRET) });
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json.error, 'invalid_dpop_proof');
  assert.match(res.json.error_description, /dpop_bound_access_tokens/);
});

test('a proof is single use and only for the endpoint it names', TIMEOUT, async () => {
  const key = await dpopKey();
  const once = await proof(key, TOKEN_URL);
  const auth = { authorization: basic(WORKER, WORKER_SECRET) };
  const first = await postForm(TOKEN_URL, { grant_type: 'client_credentials' }, { ...auth, dpop: once });
  assert.equal(first.status, 200, first.text);
  recordTokenResponse(first.json, 'client_credentials of e2e-dpop-worker (jose proof)');
  assert.equal((await claimsOf(first.json.access_token)).cnf.jkt, key.jkt);

  const replayed = await postForm(TOKEN_URL, { grant_type: 'client_credentials' }, { ...auth, dpop: once });
  assert.equal(replayed.status, 400, replayed.text);
  assert.equal(replayed.json.error, 'invalid_dpop_proof');
  assert.match(replayed.json.error_description, /already been used/);

  const elsewhere = await postForm(TOKEN_URL, { grant_type: 'client_credentials' },
    { ...auth, dpop: await proof(key, `${TS_ISSUER}/introspect`) });
  assert.equal(elsewhere.status, 400, elsewhere.text);
  assert.equal(elsewhere.json.error, 'invalid_dpop_proof');
  assert.match(elsewhere.json.error_description, /htu/);
});

// ---- the device flow -----------------------------------------------------------------------

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

/** The person enters the code, logs in as ann (portal → orchestrator → IdP) and allows the device. */
async function approve(page, device) {
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
  const [done] = await Promise.all([page.waitForNavigation(), page.click('button[name=decision][value=approve]')]);
  assert.equal(done.status(), 200);
}

/** A poll with a fresh proof of `key`, waiting out authorization_pending and slow_down. */
async function pollUntilDecided(device, key, maxSeconds = 90) {
  let interval = (device.interval ?? 5) * 1000;
  const deadline = Date.now() + maxSeconds * 1000;
  while (Date.now() < deadline) {
    const res = await postForm(TOKEN_URL, { grant_type: DEVICE_CODE_GRANT, device_code: device.device_code, client_id: TV },
      { dpop: await proof(key, TOKEN_URL) });
    const error = res.json?.error;
    if (error === 'authorization_pending' || error === 'slow_down') {
      interval += error === 'slow_down' ? 5000 : 0;
      await sleep(interval);
    } else {
      return res;
    }
  }
  throw new Error(`no decision within ${maxSeconds} s`);
}

test('device flow: the TV proves its key when it asks for a code; only that key gets the bound tokens, and refreshes them', TIMEOUT, async () => {
  const tv = await dpopKey();
  const thief = await dpopKey();
  const authorization = await postForm(`${TS_ISSUER}/device_authorization`, { client_id: TV, scope: 'media.play' },
    { dpop: await proof(tv, `${TS_ISSUER}/device_authorization`) });
  assert.equal(authorization.status, 200, authorization.text);
  const device = authorization.json;
  recordSecret(KIND.DEVICE_CODE, device.device_code, 'device_authorization of tv-app with DPoP');

  await withBrowser((page) => approve(page, device));

  // someone who learnt the device code polls with a key of their own: refused, the approval stays
  const stolen = await postForm(TOKEN_URL, { grant_type: DEVICE_CODE_GRANT, device_code: device.device_code, client_id: TV },
    { dpop: await proof(thief, TOKEN_URL) });
  assert.equal(stolen.status, 400, stolen.text);
  assert.equal(stolen.json.error, 'invalid_dpop_proof');

  const res = await pollUntilDecided(device, tv);
  assert.equal(res.status, 200, res.text);
  recordTokenResponse(res.json, 'device_code poll of tv-app with DPoP');
  assert.equal(res.json.token_type, 'DPoP');
  const payload = await claimsOf(res.json.access_token);
  assert.equal(payload.sub, 'ann-001');
  assert.deepEqual(payload.cnf, { jkt: tv.jkt });
  assert.ok(res.json.refresh_token, 'tv-app may refresh');

  const refreshed = await postForm(TOKEN_URL, { grant_type: 'refresh_token', refresh_token: res.json.refresh_token, client_id: TV },
    { dpop: await proof(tv, TOKEN_URL) });
  assert.equal(refreshed.status, 200, refreshed.text);
  recordTokenResponse(refreshed.json, 'refresh of tv-app with DPoP');
  assert.equal(refreshed.json.token_type, 'DPoP');
  assert.deepEqual((await claimsOf(refreshed.json.access_token)).cnf, { jkt: tv.jkt });

  const withAnotherKey = await postForm(TOKEN_URL,
    { grant_type: 'refresh_token', refresh_token: refreshed.json.refresh_token, client_id: TV }, { dpop: await proof(thief, TOKEN_URL) });
  assert.equal(withAnotherKey.status, 400, withAnotherKey.text);
  assert.equal(withAnotherKey.json.error, 'invalid_grant');
  assert.match(withAnotherKey.json.error_description, /bound to a DPoP key/);
});
