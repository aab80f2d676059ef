// End to end: pushed authorization requests (RFC 9126), DPoP (RFC 9449) and resource indicators
// (RFC 8707) at the orchestrator, driven by openid-client 6 (its buildAuthorizationUrlWithPAR and
// DPoP handle), with keys made by WebCrypto and thumbprints computed by the npm `jose` package,
// apart from the servers' code.
//
// - ann logs in through PAR with a DPoP proof at /par; the code is redeemed with the same key; the
//   orchestrator's access token and every API token in access_tokens carry cnf.jkt = the key's
//   thumbprint, each verifying against its issuer's JWKS; /userinfo answers with a DPoP proof and
//   refuses the token as a Bearer one; the token service does not let an API token be exchanged as
//   a bearer token either, and introspects it as DPoP-bound.
// - a request_uri is used once; a code bound at /par is not redeemed with another key.
// - a refresh with the key binds the new tokens again (the API tokens too).
// - resource at /authorize narrows the API tokens, at /token narrows further, never widens.
// Every code, token and request_uri seen is recorded for the datastore scan.
//
// Run by e2e/run-orchestrator.sh (ORCH_ISSUER, TS_ISSUER, RP_BASE, ORCHESTRATOR_SECRET and the rest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { calculateJwkThumbprint, createRemoteJWKSet, exportJWK, jwtVerify } from 'jose';

import { ORCH, TS, RP, FULL_SCOPE, Browser, rp, login, recordCode, postForm, introspect } from './lib/orchestrator.mjs';
import { recordSecret, recordTokenResponse, KIND } from './lib/secrets.mjs';

const INVOICES = 'https://api.example/invoices';
const MEDIA = 'https://api.example/media';
const REDIRECT = `${RP}/cb`;
const tsJwks = createRemoteJWKSet(new URL(`${TS}/jwks`));
const orchJwks = createRemoteJWKSet(new URL(`${ORCH}/jwks`));

/** A DPoP key pair (WebCrypto, not extractable) and its RFC 7638 thumbprint as jose computes it. */
async function dpopKey() {
  const pair = await client.randomDPoPKeyPair('ES256');
  return { pair, jkt: await calculateJwkThumbprint(await exportJWK(pair.publicKey)) };
}

/** A pushed authorization request of e2e-rp, with a DPoP proof at /par when `DPoP` is given. */
async function pushed(scope, DPoP, extra = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = await client.buildAuthorizationUrlWithPAR(rp, {
    redirect_uri: REDIRECT, scope, nonce, state, idp_hint: 'e2e-idp',
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  }, DPoP ? { DPoP } : {});
  recordSecret(KIND.REQUEST_URI, url.searchParams.get('request_uri'), 'a request_uri of /par');
  return { url, verifier, nonce, state };
}

async function redeem(flow, callback, options = {}, parameters = undefined) {
  recordCode(callback, 'the orchestrator\'s code of a pushed request');
  const tokens = await client.authorizationCodeGrant(rp, callback, {
    pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state, idTokenExpected: true,
  }, parameters, options);
  recordTokenResponse(tokens, 'orchestrator login through PAR');
  return tokens;
}

/** Every API token of a response: DPoP, signed by the token service for that API alone, bound to `jkt`. */
async function assertApiTokensBound(tokens, jkt) {
  const apis = Object.entries(tokens.access_tokens ?? {});
  assert.ok(apis.length > 0, 'no API token');
  for (const [resource, token] of apis) {
    assert.equal(token.token_type, 'DPoP', resource);
    const { payload } = await jwtVerify(token.access_token, tsJwks, { issuer: TS, audience: resource });
    assert.equal(payload.cnf?.jkt, jkt, resource);
  }
}

const ann = new Browser();
const key = await dpopKey();
const DPoP = client.getDPoPHandle(rp, key.pair);
let first;

test('discovery names the PAR endpoint and the DPoP algorithms', async () => {
  const metadata = rp.serverMetadata();
  assert.equal(metadata.pushed_authorization_request_endpoint, `${ORCH}/par`);
  assert.equal(metadata.require_pushed_authorization_requests, false);
  assert.ok(metadata.dpop_signing_alg_values_supported.includes('ES256'));
});

test('openid-client logs in with PAR and DPoP: the authorization URL carries only client_id and request_uri', async () => {
  const flow = await pushed(FULL_SCOPE, DPoP);
  assert.deepEqual([...flow.url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
  assert.match(flow.url.searchParams.get('request_uri'), /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
  const callback = await ann.run(flow.url.href, REDIRECT);
  assert.equal(callback.searchParams.get('state'), flow.state);
  assert.equal(callback.searchParams.get('iss'), ORCH);
  const tokens = await redeem(flow, callback, { DPoP });
  first = { flow, tokens };
  assert.equal(tokens.token_type.toLowerCase(), 'dpop');
  assert.equal(tokens.claims().sub, 'ann-001');
});

test('the orchestrator\'s access token and every API token are bound to the client\'s key', async () => {
  const { payload } = await jwtVerify(first.tokens.access_token, orchJwks, { issuer: ORCH, audience: ORCH });
  assert.equal(payload.cnf?.jkt, key.jkt);
  assert.deepEqual(Object.keys(first.tokens.access_tokens).sort(), [INVOICES, MEDIA]);
  await assertApiTokensBound(first.tokens, key.jkt);
});

test('/userinfo answers with a DPoP proof and refuses the bound token as a Bearer one', async () => {
  const info = await client.fetchUserInfo(rp, first.tokens.access_token, 'ann-001', { DPoP });
  assert.equal(info.email, 'ann@example.com');
  const bearer = await fetch(`${ORCH}/userinfo`, { headers: { authorization: `Bearer ${first.tokens.access_token}` } });
  assert.equal(bearer.status, 401);
  assert.match(bearer.headers.get('www-authenticate'), /^DPoP realm="orchestrator", error="invalid_token"/);
  const noProof = await fetch(`${ORCH}/userinfo`, { headers: { authorization: `DPoP ${first.tokens.access_token}` } });
  assert.equal(noProof.status, 401);
  assert.match(noProof.headers.get('www-authenticate'), /^DPoP realm="orchestrator", error="invalid_dpop_proof"/);
});

test('an API token is refused as a bearer token where it is presented without its key, and introspects as DPoP-bound', async () => {
  const invoices = first.tokens.access_tokens[INVOICES].access_token;
  // exchanging it at the token service without a proof of its key would launder it into a bearer token
  const exchanged = await postForm(`${TS}/token`, {
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: invoices,
    subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', resource: INVOICES, scope: 'invoices.read',
  }, { clientId: 'orchestrator', clientSecret: process.env.ORCHESTRATOR_SECRET });
  assert.equal(exchanged.status, 400, exchanged.text);
  assert.equal(exchanged.json.error, 'invalid_dpop_proof');
  const active = await introspect(invoices);
  assert.equal(active.json.active, true);
  assert.equal(active.json.token_type, 'DPoP');
  assert.equal(active.json.cnf?.jkt, key.jkt);
});

test('a request_uri is used once', async () => {
  const flow = await pushed('openid', DPoP);
  const once = await new Browser().fetch(flow.url.href);
  assert.equal(once.status, 302);
  const again = await new Browser().fetch(flow.url.href);
  assert.equal(again.status, 400);
  assert.equal(again.headers.get('location'), null);
});

test('a code bound by the proof at /par is not redeemed with another key', async () => {
  const flow = await pushed('openid email', DPoP);
  const callback = await ann.run(flow.url.href, REDIRECT);
  const other = client.getDPoPHandle(rp, (await dpopKey()).pair);
  await assert.rejects(redeem(flow, callback, { DPoP: other }), (e) => e.error === 'invalid_dpop_proof');
});

test('a refresh with the key binds the new tokens again, the API tokens too', async () => {
  const refreshed = await client.refreshTokenGrant(rp, first.tokens.refresh_token, undefined, { DPoP });
  recordTokenResponse(refreshed, 'orchestrator refresh with DPoP');
  assert.equal(refreshed.token_type.toLowerCase(), 'dpop');
  const { payload } = await jwtVerify(refreshed.access_token, orchJwks, { issuer: ORCH, audience: ORCH });
  assert.equal(payload.cnf?.jkt, key.jkt);
  await assertApiTokensBound(refreshed, key.jkt);
});

test('resource at /authorize narrows the API tokens; at /token it narrows further, never widens', async () => {
  const media = await login(new Browser(), rp, REDIRECT, FULL_SCOPE, { resource: MEDIA });
  assert.deepEqual(Object.keys(media.tokens.access_tokens), [MEDIA]);
  assert.ok(!media.tokens.scope.split(' ').includes('invoices.read'), media.tokens.scope);
  await jwtVerify(media.tokens.access_tokens[MEDIA].access_token, tsJwks, { issuer: TS, audience: MEDIA });

  const flow = await pushed(FULL_SCOPE, undefined, { resource: INVOICES });
  const callback = await new Browser().run(flow.url.href, REDIRECT);
  await assert.rejects(redeem(flow, callback, {}, { resource: MEDIA }), (e) => e.error === 'invalid_target');

  const both = await pushed(FULL_SCOPE);
  const back = await new Browser().run(both.url.href, REDIRECT);
  const narrowed = await redeem(both, back, {}, { resource: INVOICES });
  assert.deepEqual(Object.keys(narrowed.access_tokens), [INVOICES]);
  assert.equal(narrowed.access_tokens[INVOICES].token_type, 'Bearer');
  const refreshed = await client.refreshTokenGrant(rp, narrowed.refresh_token);
  recordTokenResponse(refreshed, 'orchestrator refresh after a narrowed redemption');
  assert.deepEqual(Object.keys(refreshed.access_tokens).sort(), [INVOICES, MEDIA], 'the refresh token keeps the whole grant');
});
