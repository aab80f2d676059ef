// End to end: what the OpenID conformance suite's basic plan asks of the orchestrator, with
// openid-client 6 as the relying party (strict about nonce, max_age and auth_time) and the real
// upstream IdP (oidc-provider, which honours max_age and prompt=login itself): a confidential client
// registered with require_pkce: false logging in with nonce alone, prompt=none, max_age
// re-authentication, refresh with a narrower scope, and request objects refused as such.
// Run by e2e/run-orchestrator.sh, which sets ORCH_ISSUER, TS_ISSUER, IDP_ISSUER, RP_BASE, secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { ORCH, TS, IDP, RP, INSECURE, FULL_SCOPE, Browser, rp, start, login, refresh, recordCode } from './lib/orchestrator.mjs';
import { recordTokenResponse } from './lib/secrets.mjs';

const NONCE_RP_SECRET = process.env.E2E_NONCE_RP_SECRET;
/** e2e-nonce-rp: confidential, require_pkce: false (nonce and its secret protect its codes). */
const nonceRp = await client.discovery(new URL(ORCH), 'e2e-nonce-rp', { client_secret: NONCE_RP_SECRET },
  client.ClientSecretBasic(NONCE_RP_SECRET), INSECURE);
const tsJwks = createRemoteJWKSet(new URL(`${TS}/jwks`));
const idpHost = new URL(IDP).host;

/** An error at the client's redirect URI: error, its state, our issuer, and no code. */
function errorAtClient(location, flow, redirectUri = `${RP}/cb`) {
  assert.ok(location.href.startsWith(`${redirectUri}?`), location.href);
  assert.equal(location.searchParams.get('state'), flow.state);
  assert.equal(location.searchParams.get('iss'), ORCH);
  assert.equal(location.searchParams.get('code'), null);
  assert.ok(location.searchParams.get('error_description'));
  return location.searchParams.get('error');
}

async function redirectOf(url) {
  const response = await fetch(url, { redirect: 'manual' });
  assert.equal(response.status, 302);
  return new URL(response.headers.get('location'));
}

test('a client registered without PKCE logs in with nonce; openid-client checks the nonce', async () => {
  const browser = new Browser();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(nonceRp, {
    redirect_uri: `${RP}/cb3`, scope: 'openid email', nonce, state, idp_hint: 'e2e-idp',
  });
  assert.equal(url.searchParams.get('code_challenge'), null);
  const callback = await browser.run(url.href, `${RP}/cb3`);
  recordCode(callback, 'the orchestrator\'s code for e2e-nonce-rp');
  const tokens = await client.authorizationCodeGrant(nonceRp, callback, {
    expectedNonce: nonce, expectedState: state, idTokenExpected: true,
  });
  recordTokenResponse(tokens, 'orchestrator login of e2e-nonce-rp');
  const claims = tokens.claims();
  assert.equal(claims.nonce, nonce);
  assert.equal(claims.aud, 'e2e-nonce-rp');
  assert.equal(claims.sub, 'ann-001');
  // a claim asked for by a scope value is at /userinfo, not in the id_token (OIDC Core §5.4)
  assert.equal(claims.email, undefined);
  const info = await client.fetchUserInfo(nonceRp, tokens.access_token, claims.sub);
  assert.equal(info.email, 'ann@example.com');
});

test('without PKCE and without nonce → invalid_request at the client', async () => {
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(nonceRp, { redirect_uri: `${RP}/cb3`, scope: 'openid', state, idp_hint: 'e2e-idp' });
  const location = await redirectOf(url);
  assert.equal(errorAtClient(location, { state }, `${RP}/cb3`), 'invalid_request');
  assert.equal(location.searchParams.get('error_description'), 'nonce is required when PKCE is not used');
});

test('prompt=none without a session → login_required, even without PKCE', async () => {
  const flow = await start(rp, `${RP}/cb`, 'openid', { prompt: 'none' });
  flow.url.searchParams.delete('code_challenge');
  flow.url.searchParams.delete('code_challenge_method');
  assert.equal(errorAtClient(await redirectOf(flow.url), flow), 'login_required');
});

test('max_age=1 two seconds later: the IdP asks again and openid-client sees a newer auth_time', async () => {
  const browser = new Browser();
  const first = await login(browser, rp, `${RP}/cb`, 'openid email', { max_age: '3600' });
  const firstAuthTime = first.tokens.claims().auth_time;
  assert.equal(typeof firstAuthTime, 'number');
  await new Promise((resolve) => { setTimeout(resolve, 2100); });
  // the session is too old for max_age=1: prompt=none cannot answer
  const silent = await start(rp, `${RP}/cb`, 'openid', { prompt: 'none', max_age: '1' });
  assert.equal(errorAtClient(await browser.run(silent.url.href, `${RP}/cb`), silent), 'login_required');
  // and a login goes upstream, where the user signs in again
  const before = browser.trail.length;
  const flow = await start(rp, `${RP}/cb`, 'openid email', { max_age: '1' });
  const callback = await browser.run(flow.url.href, `${RP}/cb`);
  assert.ok(browser.trail.slice(before).some((step) => step.startsWith(`POST ${idpHost}/interaction/`)),
    browser.trail.slice(before).join(', '));
  recordCode(callback, 'the orchestrator\'s code after max_age');
  const tokens = await client.authorizationCodeGrant(rp, callback, {
    pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state, maxAge: 1, idTokenExpected: true,
  });
  recordTokenResponse(tokens, 'orchestrator login with max_age');
  assert.ok(tokens.claims().auth_time >= firstAuthTime + 2, `${tokens.claims().auth_time} after ${firstAuthTime}`);
});

test('prompt=login sends the user to sign in at the IdP again, past the SSO session', async () => {
  const browser = new Browser();
  const first = await login(browser, rp, `${RP}/cb`, 'openid');
  const before = browser.trail.length;
  const again = await login(browser, rp, `${RP}/cb`, 'openid', { prompt: 'login' });
  assert.ok(browser.trail.slice(before).some((step) => step.startsWith(`POST ${idpHost}/interaction/`)),
    browser.trail.slice(before).join(', '));
  assert.ok(again.tokens.claims().auth_time >= first.tokens.claims().auth_time);
});

test('refresh with a narrower scope: narrower tokens, and the whole grant again without scope', async () => {
  const { tokens } = await login(new Browser());
  const narrow = await client.refreshTokenGrant(rp, tokens.refresh_token, { scope: 'openid email invoices.read' });
  recordTokenResponse(narrow, 'orchestrator refresh with a narrower scope');
  assert.equal(narrow.scope, 'openid email invoices.read');
  assert.deepEqual(Object.keys(narrow.access_tokens), ['https://api.example/invoices']);
  const { payload } = await jwtVerify(narrow.access_tokens['https://api.example/invoices'].access_token, tsJwks,
    { issuer: TS, audience: 'https://api.example/invoices' });
  assert.equal(payload.scope, 'invoices.read');
  const info = await client.fetchUserInfo(rp, narrow.access_token, narrow.claims().sub);
  assert.equal(info.email, 'ann@example.com');
  assert.equal(info.name, undefined, 'profile was not asked for in the refresh');
  // wider than the client may hold: invalid_scope, and the refresh token is still good
  await assert.rejects(client.refreshTokenGrant(rp, narrow.refresh_token, { scope: 'openid invoices.write' }),
    (e) => e.error === 'invalid_scope');
  const whole = await refresh(rp, narrow.refresh_token);
  assert.equal(whole.scope, FULL_SCOPE);
  assert.deepEqual(Object.keys(whole.access_tokens).sort(), ['https://api.example/invoices', 'https://api.example/media']);
});

test('request objects are refused as such (request_not_supported, request_uri_not_supported)', async () => {
  const metadata = rp.serverMetadata();
  assert.equal(metadata.request_parameter_supported, false);
  assert.equal(metadata.request_uri_parameter_supported, false);
  const withRequest = await start(rp, `${RP}/cb`, 'openid', { request: 'eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.' });
  assert.equal(errorAtClient(await redirectOf(withRequest.url), withRequest), 'request_not_supported');
  const withRequestUri = await start(rp, `${RP}/cb`, 'openid', { request_uri: `${RP}/request.jwt` });
  assert.equal(errorAtClient(await redirectOf(withRequestUri.url), withRequestUri), 'request_uri_not_supported');
  // a request object with a redirect_uri not registered: the error page, never a redirect
  withRequest.url.searchParams.set('redirect_uri', `${RP}/elsewhere`);
  const response = await fetch(withRequest.url, { redirect: 'manual' });
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('location'), null);
});
