// End to end: an API that asks for an interaction, seen by a machine client (no browser). A real
// OpenID provider (e2e/idp.mjs) logs Ann in; openid-client exchanges her id_token (RFC 8693) at the
// token service for scopes of https://api.example/stream, whose real scope authority
// (e2e/authority.mjs, ?ask=subscription) grants stream.read and asks for a subscription before
// stream.play. The response leaves stream.play out and lists the interaction under
// interaction_required; asking for stream.play alone is 400 invalid_scope with the same member.
//
// Run through e2e/run.sh, which starts everything and sets IDP_ISSUER, IDP_APP_SECRET,
// IDP_ANN_PASSWORD, IDP_REDIRECT_URI, TS_ISSUER, E2E_EXCHANGER_SECRET.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';

import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { loginAndGetIdToken } from './lib/login.mjs';
import { recordSecret, recordTokenResponse, KIND } from './lib/secrets.mjs';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run the tests through e2e/run.sh)`);
  return value;
};

const IDP_ISSUER = env('IDP_ISSUER');
const TS_ISSUER = env('TS_ISSUER');
const EXCHANGER_SECRET = env('E2E_EXCHANGER_SECRET');
const IDP_REDIRECT_URI = process.env.IDP_REDIRECT_URI || `${IDP_ISSUER}/cb`;
const ANN_PASSWORD = process.env.IDP_ANN_PASSWORD || 'ann-e2e-password';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
const STREAM = 'https://api.example/stream';
const INVOICES = 'https://api.example/invoices';
const EXPECTED_INTERACTION = {
  resource: STREAM,
  url: 'https://stream.example/subscribe',
  reason: 'subscription_required',
  message: 'Stream Plus is needed to play videos.',
};
const TIMEOUT = { timeout: 60_000 };

let ann;
let exchanger;
let lastTokenResponse;

/** fetch for openid-client that keeps the last /token response as received (status and JSON). */
async function recordingFetch(url, options) {
  const response = await fetch(url, options);
  if (new URL(url).pathname.endsWith('/token')) {
    const body = await response.clone().text();
    let json;
    try { json = JSON.parse(body); } catch { json = undefined; }
    lastTokenResponse = { status: response.status, headers: response.headers, json };
  }
  return response;
}

async function exchange(scope) {
  lastTokenResponse = undefined;
  try {
    const tokens = await client.genericGrantRequest(exchanger, TOKEN_EXCHANGE, {
      subject_token: ann.idToken,
      subject_token_type: ID_TOKEN_TYPE,
      scope,
    });
    recordTokenResponse(lastTokenResponse?.json, 'token exchange (interaction)');
    return { ok: true, tokens, http: lastTokenResponse };
  } catch (error) {
    return { ok: false, error, http: lastTokenResponse };
  }
}

before(async () => {
  ann = await loginAndGetIdToken({
    issuer: IDP_ISSUER,
    clientId: 'ts-e2e-app',
    clientSecret: env('IDP_APP_SECRET'),
    redirectUri: IDP_REDIRECT_URI,
    username: 'ann',
    password: ANN_PASSWORD,
  });
  recordSecret(KIND.UPSTREAM_ID_TOKEN, ann.idToken, 'IdP id_token of ann for ts-e2e-app (interaction)');
  exchanger = await client.discovery(new URL(TS_ISSUER), 'e2e-exchanger', undefined,
    client.ClientSecretBasic(EXCHANGER_SECRET), {
      execute: [client.allowInsecureRequests],
      [client.customFetch]: recordingFetch,
    });
}, TIMEOUT);

test('a token exchange leaves out what waits for an interaction and says where to do it', TIMEOUT, async (t) => {
  const result = await exchange('invoices.read stream.read stream.play');
  t.diagnostic(`status ${result.http?.status}, members ${Object.keys(result.http?.json ?? {}).join(' ')}`);
  assert.ok(result.ok, `the exchange failed: ${result.error}`);
  assert.equal(result.http.status, 200);
  assert.equal(result.http.headers.get('cache-control'), 'no-store');
  assert.equal(result.tokens.scope, 'invoices.read stream.read');
  assert.deepEqual(result.tokens.interaction_required, [EXPECTED_INTERACTION]);

  const jwks = createRemoteJWKSet(new URL(`${TS_ISSUER}/jwks`));
  const { payload, protectedHeader } = await jwtVerify(result.tokens.access_token, jwks, {
    issuer: TS_ISSUER,
    typ: 'at+jwt',
  });
  assert.equal(protectedHeader.typ, 'at+jwt');
  assert.equal(payload.sub, ann.claims.sub);
  assert.equal(payload.idp, IDP_ISSUER);
  assert.equal(payload.scope, 'invoices.read stream.read');
  assert.deepEqual([...payload.aud].sort(), [INVOICES, STREAM].sort());
});

test('nothing granted: 400 invalid_scope with the same member, and no token', TIMEOUT, async (t) => {
  const result = await exchange('stream.play');
  t.diagnostic(`status ${result.http?.status}, body ${JSON.stringify(result.http?.json)}`);
  assert.ok(!result.ok, 'the exchange should have been refused');
  assert.ok(result.error instanceof client.ResponseBodyError, `expected a ResponseBodyError, got ${result.error}`);
  assert.equal(result.error.status, 400);
  assert.equal(result.error.error, 'invalid_scope');
  assert.match(result.error.error_description, /interaction_required/);
  assert.equal(result.http.headers.get('cache-control'), 'no-store');
  assert.equal(result.http.json.access_token, undefined);
  assert.deepEqual(result.http.json.interaction_required, [EXPECTED_INTERACTION]);
});
