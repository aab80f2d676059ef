// End to end: the orchestrator as an OpenID provider, used by openid-client 6 (OpenID Certified
// relying party) with strict validation, logging ann in at a real upstream IdP (oidc-provider).
// The audience of the tokens is e2e/audience.test.mjs's. Every code and token seen is recorded for
// the datastore scan (e2e/datastore-scan.test.mjs).
// Run by e2e/run-orchestrator.sh, which sets ORCH_ISSUER, TS_ISSUER, IDP_ISSUER, RP_BASE, secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify, decodeJwt } from 'jose';

import { ORCH, TS, IDP, RP, Browser, rp, rp2, start, login, refresh } from './lib/orchestrator.mjs';

const tsJwks = createRemoteJWKSet(new URL(`${TS}/jwks`));
const orchJwks = createRemoteJWKSet(new URL(`${ORCH}/jwks`));

const ann = new Browser();
let first;

test('full login: openid-client validates the minted id_token (iss, aud, nonce, signature)', async () => {
  first = await login(ann);
  const claims = first.tokens.claims();
  assert.equal(claims.iss, ORCH);
  assert.equal(claims.aud, 'e2e-rp');
  assert.equal(claims.sub, 'ann-001');
  assert.equal(claims.idp, IDP);
  // the scope values' claims are at /userinfo (OIDC Core §5.4; e2e/oidc-claims.test.mjs)
  assert.equal(claims.email, undefined);
  assert.equal(first.callback.searchParams.get('iss'), ORCH);
  assert.ok(ann.cookies.has('orch_session'));
});

test('upstream_id_token is the IdP\'s own id_token, untouched', () => {
  const upstream = decodeJwt(first.tokens.upstream_id_token);
  assert.equal(upstream.iss, IDP);
  assert.equal(upstream.aud, 'orch-upstream');
  assert.equal(upstream.sub, 'ann-001');
});

test('access_tokens holds one token per resource, each for that resource alone', async () => {
  const perResource = first.tokens.access_tokens;
  assert.deepEqual(Object.keys(perResource).sort(), ['https://api.example/invoices', 'https://api.example/media']);
  for (const [resource, token] of Object.entries(perResource)) {
    const { payload } = await jwtVerify(token.access_token, tsJwks, { issuer: TS, audience: resource });
    assert.equal(payload.sub, 'ann-001');
    assert.equal(payload.scope, token.scope);
  }
});

test('userinfo answers for the access token', async () => {
  const info = await client.fetchUserInfo(rp, first.tokens.access_token, 'ann-001');
  assert.equal(info.email, 'ann@example.com');
  assert.equal(info.idp, IDP);
});

test('a replayed code is invalid_grant', async () => {
  await assert.rejects(client.authorizationCodeGrant(rp, first.callback, {
    pkceCodeVerifier: first.flow.verifier, expectedNonce: first.flow.nonce, expectedState: first.flow.state,
  }), (e) => e.error === 'invalid_grant');
});

test('refresh rotates; the old refresh token again is invalid_grant', async () => {
  const { tokens } = await login(ann);
  const refreshed = await refresh(rp, tokens.refresh_token);
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
  assert.equal(refreshed.claims().sub, 'ann-001');
  // the top-level access token is the orchestrator's own, for its /userinfo alone
  await jwtVerify(refreshed.access_token, orchJwks, { issuer: ORCH, audience: ORCH });
  for (const [resource, token] of Object.entries(refreshed.access_tokens ?? {})) {
    await jwtVerify(token.access_token, tsJwks, { issuer: TS, audience: resource });
  }
  await assert.rejects(client.refreshTokenGrant(rp, tokens.refresh_token), (e) => e.error === 'invalid_grant');
  await assert.rejects(client.refreshTokenGrant(rp, refreshed.refresh_token), (e) => e.error === 'invalid_grant');
});

test('a second client logs in through the SSO session, without going to the IdP', async () => {
  const before = ann.trail.length;
  const { tokens } = await login(ann, rp2, `${RP}/cb2`, 'openid email');
  assert.equal(tokens.claims().aud, 'e2e-rp2');
  assert.equal(tokens.claims().sub, 'ann-001');
  assert.ok(!ann.trail.slice(before).some((step) => step.includes(new URL(IDP).host)), ann.trail.slice(before).join(', '));
});

test('logout ends the session and returns to the registered URI with state', async () => {
  const { tokens } = await login(ann);
  const url = client.buildEndSessionUrl(rp, {
    id_token_hint: tokens.id_token, post_logout_redirect_uri: `${RP}/bye`, state: 'bye-state',
  });
  const response = await ann.fetch(url.href);
  assert.equal(response.status, 302);
  assert.equal(response.headers.get('location'), `${RP}/bye?state=bye-state`);
  assert.ok(!ann.cookies.has('orch_session'));
  const silent = await start(rp, `${RP}/cb`, 'openid', { prompt: 'none' });
  const back = await ann.run(silent.url.href, `${RP}/cb`);
  assert.equal(back.searchParams.get('error'), 'login_required');
  assert.equal(back.searchParams.get('state'), silent.state);
});

// ---- unhappy paths ------------------------------------------------------------------------

for (const variant of ['/cb/', '/CB', '/cb?x=1', '/cb/../cb', '/cbx']) {
  test(`redirect_uri variant ${variant} gets an error page, no redirect`, async () => {
    const flow = await start(rp, `${RP}/cb`, 'openid');
    flow.url.searchParams.set('redirect_uri', `${RP}${variant}`);
    const response = await fetch(flow.url, { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null);
  });
}

test('redirect_uri on another loopback port gets an error page', async () => {
  const flow = await start(rp, `${RP}/cb`, 'openid');
  flow.url.searchParams.set('redirect_uri', `http://localhost:${Number(new URL(RP).port) + 1}/cb`);
  const response = await fetch(flow.url, { redirect: 'manual' });
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('location'), null);
});

for (const [name, change] of [
  ['missing', (u) => { u.searchParams.delete('code_challenge'); u.searchParams.delete('code_challenge_method'); }],
  ['plain', (u) => { u.searchParams.set('code_challenge_method', 'plain'); }],
]) {
  test(`PKCE ${name} → invalid_request at the client with state and iss`, async () => {
    const flow = await start(rp, `${RP}/cb`, 'openid');
    change(flow.url);
    const response = await fetch(flow.url, { redirect: 'manual' });
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location'));
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.equal(location.searchParams.get('state'), flow.state);
    assert.equal(location.searchParams.get('iss'), ORCH);
  });
}

test('PKCE wrong verifier → invalid_grant', async () => {
  const browser = new Browser();
  const flow = await start(rp, `${RP}/cb`, 'openid');
  const callback = await browser.run(flow.url.href, `${RP}/cb`);
  await assert.rejects(client.authorizationCodeGrant(rp, callback, {
    pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedNonce: flow.nonce, expectedState: flow.state,
  }), (e) => e.error === 'invalid_grant');
});

test('a bad state at the callback is an error page', async () => {
  const response = await fetch(`${ORCH}/callback?code=x&state=forged`, { redirect: 'manual' });
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('location'), null);
});

test('upstream access_denied reaches the client as access_denied with its state', async () => {
  const browser = new Browser();
  const flow = await start(rp, `${RP}/cb`, 'openid');
  const back = await browser.run(flow.url.href, `${RP}/cb`, { decision: 'deny' });
  assert.equal(back.searchParams.get('error'), 'access_denied');
  assert.equal(back.searchParams.get('state'), flow.state);
  assert.equal(back.searchParams.get('iss'), ORCH);
});

test('an upstream that is down → a 503 page naming it, whose link takes temporarily_unavailable to the client', async () => {
  const flow = await start(rp, `${RP}/cb`, 'openid', { idp_hint: 'down-idp' });
  const started = Date.now();
  const response = await fetch(flow.url, { redirect: 'manual' });
  assert.ok(Date.now() - started < 5000);
  assert.equal(response.status, 503);
  const html = await response.text();
  assert.match(html, /down-idp is not available right now/);
  const back = new URL(html.match(/id="back" href="([^"]+)"/)[1].replaceAll('&amp;', '&'));
  assert.equal(`${back.origin}${back.pathname}`, `${RP}/cb`);
  assert.equal(back.searchParams.get('error'), 'temporarily_unavailable');
  assert.equal(back.searchParams.get('state'), flow.state);
  await assert.rejects(client.authorizationCodeGrant(rp, back, { pkceCodeVerifier: flow.verifier, expectedState: flow.state }),
    (e) => e.error === 'temporarily_unavailable');
});
