// End to end: what a strict OpenID Connect relying party (openid-client 6) expects of the
// orchestrator's id_tokens and claims, against the real upstream IdP (oidc-provider):
// - RS256 id_tokens when the client registered no id_token_signed_response_alg (OIDC Core §15.1),
//   validated by openid-client configured with no algorithm at all;
// - ES256 for a client registered with id_token_signed_response_alg: ES256;
// - claims of the scope values at /userinfo, not in the id_token (§5.4), and the claims parameter
//   (§5.5) putting single claims in the id_token or at /userinfo;
// - /userinfo with the access token in a form-encoded POST body (RFC 6750 §2.2), one way only.
// Run by e2e/run-orchestrator.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';

import { ORCH, IDP, RP, RP_SECRET, INSECURE, Browser, rp, login } from './lib/orchestrator.mjs';

const orchJwks = createRemoteJWKSet(new URL(`${ORCH}/jwks`));

/**
 * e2e-rp as openid-client sees it when the provider's metadata says nothing about id_token
 * algorithms: it then accepts RS256 only (its default, as OIDC Core's).
 */
function rpWithoutAlgorithms() {
  const { id_token_signing_alg_values_supported: _ignored, ...metadata } = rp.serverMetadata();
  const config = new client.Configuration(metadata, 'e2e-rp', { client_secret: RP_SECRET }, client.ClientSecretBasic(RP_SECRET));
  client.allowInsecureRequests(config);
  return config;
}

const es256 = await client.discovery(new URL(ORCH), 'e2e-rp-es256',
  { client_secret: RP_SECRET, id_token_signed_response_alg: 'ES256' }, client.ClientSecretBasic(RP_SECRET), INSECURE);

async function userinfoByPost(body, headers = {}) {
  const response = await fetch(`${ORCH}/userinfo`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body),
  });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), json: await response.json().catch(() => undefined) };
}

test('discovery: RS256 first, the claims parameter, userinfo unsigned', () => {
  const metadata = rp.serverMetadata();
  assert.deepEqual(metadata.id_token_signing_alg_values_supported, ['RS256', 'ES256', 'EdDSA']);
  assert.equal(metadata.claims_parameter_supported, true);
  assert.ok(metadata.claims_supported.includes('email'));
  assert.equal(metadata.userinfo_signing_alg_values_supported, undefined);
});

let ann;

test('a client that names no algorithm gets RS256, which openid-client with no algorithm configured validates', async () => {
  ann = await login(new Browser(), rpWithoutAlgorithms(), `${RP}/cb`, 'openid profile email');
  assert.equal(decodeProtectedHeader(ann.tokens.id_token).alg, 'RS256');
  const claims = ann.tokens.claims();
  assert.equal(claims.iss, ORCH);
  assert.equal(claims.sub, 'ann-001');
  assert.equal(claims.idp, IDP);
  // the scope values' claims are at /userinfo, not in the id_token (OIDC Core §5.4)
  assert.equal(claims.email, undefined);
  assert.equal(claims.name, undefined);
  const info = await client.fetchUserInfo(rp, ann.tokens.access_token, 'ann-001');
  assert.equal(info.email, 'ann@example.com');
  assert.equal(info.email_verified, true);
  assert.equal(info.name, 'Ann Example');
  assert.equal(info.given_name, 'Ann');
  assert.equal(info.idp, IDP);
});

test('a client registered for ES256 gets ES256 id_tokens, verified against /jwks', async () => {
  const { tokens } = await login(new Browser(), es256, `${RP}/cb-es256`, 'openid email');
  assert.equal(decodeProtectedHeader(tokens.id_token).alg, 'ES256');
  const { payload } = await jwtVerify(tokens.id_token, orchJwks, { issuer: ORCH, audience: 'e2e-rp-es256', algorithms: ['ES256'] });
  assert.equal(payload.sub, 'ann-001');
  assert.equal(tokens.claims().sub, 'ann-001');
});

test('the claims parameter puts single claims in the id_token and at /userinfo', async () => {
  const claims = JSON.stringify({
    id_token: { email: { essential: true }, given_name: null, phone_number: null },
    userinfo: { family_name: null },
  });
  const { tokens } = await login(new Browser(), rp, `${RP}/cb`, 'openid', { claims });
  const id = tokens.claims();
  assert.equal(id.email, 'ann@example.com');
  assert.equal(id.given_name, 'Ann');
  assert.equal(id.phone_number, undefined, 'the IdP has no phone number: left out, not an error');
  assert.equal(id.name, undefined, 'only what was asked for');
  const info = await client.fetchUserInfo(rp, tokens.access_token, 'ann-001');
  assert.deepEqual(info, { sub: 'ann-001', idp: IDP, family_name: 'Example' });
});

test('a malformed claims parameter is invalid_request at the client', async () => {
  const flow = client.buildAuthorizationUrl(rp, {
    redirect_uri: `${RP}/cb`, scope: 'openid', nonce: client.randomNonce(), state: 'st-claims', idp_hint: 'e2e-idp',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    claims: '{"id_token":',
  });
  const response = await fetch(flow, { redirect: 'manual' });
  assert.equal(response.status, 302);
  const back = new URL(response.headers.get('location'));
  assert.equal(back.origin + back.pathname, `${RP}/cb`);
  assert.equal(back.searchParams.get('error'), 'invalid_request');
  assert.equal(back.searchParams.get('state'), 'st-claims');
  assert.equal(back.searchParams.get('iss'), ORCH);
});

test('/userinfo takes the access token in a form-encoded POST body, one way only', async () => {
  const body = await userinfoByPost({ access_token: ann.tokens.access_token });
  assert.equal(body.status, 200);
  assert.equal(body.json.sub, 'ann-001');
  assert.equal(body.json.email, 'ann@example.com');

  const both = await userinfoByPost({ access_token: ann.tokens.access_token }, { authorization: `Bearer ${ann.tokens.access_token}` });
  assert.equal(both.status, 400);
  assert.equal(both.json.error, 'invalid_request');
  assert.match(both.challenge, /^Bearer realm="orchestrator", error="invalid_request"/);

  const none = await userinfoByPost({});
  assert.equal(none.status, 401);
  // a challenge per scheme taken (RFC 6750 §3.1, RFC 9449 §7.1), neither with an error code (fetch joins them)
  assert.match(none.challenge, /^Bearer realm="orchestrator", DPoP realm="orchestrator", algs="[^"]*\bES256\b[^"]*"$/);

  const wrong = await userinfoByPost({ access_token: `${ann.tokens.access_token}x` });
  assert.equal(wrong.status, 401);
  assert.match(wrong.challenge, /error="invalid_token"/);

  const query = await fetch(`${ORCH}/userinfo?access_token=${encodeURIComponent(ann.tokens.access_token)}`);
  assert.equal(query.status, 400);
  assert.equal((await query.json()).error, 'invalid_request');
});
