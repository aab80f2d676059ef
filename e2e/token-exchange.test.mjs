// End to end: RFC 8693 token exchange at the token service with an id_token minted by a real
// third-party OpenID provider (oidc-provider, e2e/idp.mjs), obtained and exchanged with a
// certified client library (openid-client 6), with a real scope authority (e2e/authority.mjs).
//
// Run through e2e/run.sh, which starts everything and sets:
//   IDP_ISSUER, IDP_APP_SECRET, IDP_OTHER_SECRET, IDP_ANN_PASSWORD, IDP_REDIRECT_URI,
//   TS_ISSUER, E2E_EXCHANGER_SECRET, AUTHORITY_URL
import { test, before } from 'node:test';
import assert from 'node:assert/strict';

import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader, decodeJwt } from 'jose';

import { loginAndGetIdToken } from './lib/login.mjs';
import { recordSecret, recordTokenResponse, KIND } from './lib/secrets.mjs';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run the tests through e2e/run.sh)`);
  return value;
};

const IDP_ISSUER = env('IDP_ISSUER');
const TS_ISSUER = env('TS_ISSUER');
const AUTHORITY_URL = env('AUTHORITY_URL');
const EXCHANGER_SECRET = env('E2E_EXCHANGER_SECRET');
const IDP_REDIRECT_URI = process.env.IDP_REDIRECT_URI || `${IDP_ISSUER}/cb`;
const ANN_PASSWORD = process.env.IDP_ANN_PASSWORD || 'ann-e2e-password';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const INVOICES = 'https://api.example/invoices';
const MEDIA = 'https://api.example/media';
const REQUESTED_SCOPE = 'invoices.read invoices.write media.play';

const TIMEOUT = { timeout: 60_000 };

// ---- helpers -------------------------------------------------------------------------------

/** The last response of the token service's /token endpoint, as received on the wire. */
let lastTokenResponse;

/** fetch for openid-client that keeps a copy of every /token response (status, headers, body). */
async function recordingFetch(url, options) {
  const response = await fetch(url, options);
  if (new URL(url).pathname.endsWith('/token')) {
    const body = await response.clone().text();
    let json;
    try { json = JSON.parse(body); } catch { json = undefined; }
    lastTokenResponse = { status: response.status, headers: response.headers, body, json };
  }
  return response;
}

function describeHttp(http) {
  if (!http) return 'no response recorded from /token';
  // The access token itself is shortened: its claims are printed where they matter.
  const body = http.json && typeof http.json.access_token === 'string'
    ? JSON.stringify({ ...http.json, access_token: `${http.json.access_token.slice(0, 24)}…` })
    : http.body;
  return `HTTP ${http.status} ${body}`;
}

async function tsConfiguration(clientId, clientAuth) {
  return client.discovery(new URL(TS_ISSUER), clientId, undefined, clientAuth, {
    algorithm: 'oauth2', // RFC 8414: /.well-known/oauth-authorization-server
    execute: [client.allowInsecureRequests],
    [client.customFetch]: recordingFetch,
  });
}

/** Token exchange through openid-client; never throws: { ok, tokens?, error?, http }. */
async function exchange(config, subjectToken, scope = REQUESTED_SCOPE) {
  lastTokenResponse = undefined;
  try {
    const tokens = await client.genericGrantRequest(config, TOKEN_EXCHANGE, {
      subject_token: subjectToken,
      subject_token_type: ID_TOKEN_TYPE,
      scope,
    });
    recordTokenResponse(lastTokenResponse?.json, 'token exchange');
    return { ok: true, tokens, http: lastTokenResponse };
  } catch (error) {
    return { ok: false, error, http: lastTokenResponse };
  }
}

async function authorityCalls() {
  const response = await fetch(new URL('/calls', AUTHORITY_URL));
  assert.equal(response.status, 200, 'authority GET /calls');
  return response.json();
}

async function resetAuthorityCalls() {
  const response = await fetch(new URL('/calls', AUTHORITY_URL), { method: 'DELETE' });
  assert.equal(response.status, 204, 'authority DELETE /calls');
}

const scopeSet = (s) => new Set(String(s ?? '').split(' ').filter(Boolean));

function assertOAuthError(t, result, status, error, what) {
  t.diagnostic(`${what}: ${describeHttp(result.http)}`);
  assert.ok(!result.ok, `${what}: expected ${status} ${error}, but the exchange succeeded: ${describeHttp(result.http)}`);
  assert.ok(result.http, `${what}: no HTTP response from /token (${result.error})`);
  assert.equal(result.http.status, status, `${what}: status — ${describeHttp(result.http)}`);
  assert.equal(result.http.json?.error, error, `${what}: error — ${describeHttp(result.http)}`);
  assert.equal(result.http.headers.get('content-type')?.split(';')[0].trim(), 'application/json',
    `${what}: content-type of ${describeHttp(result.http)}`);
}

// ---- shared state --------------------------------------------------------------------------

let ann;                 // { idToken, claims } from ts-e2e-app
let exchanger;           // openid-client Configuration for e2e-exchanger at the token service
let happy;               // the result of the happy-path exchange
let happyAuthorityCalls; // what the authority received during it

before(async () => {
  ann = await loginAndGetIdToken({
    issuer: IDP_ISSUER,
    clientId: 'ts-e2e-app',
    clientSecret: env('IDP_APP_SECRET'),
    redirectUri: IDP_REDIRECT_URI,
    username: 'ann',
    password: ANN_PASSWORD,
  });
  recordSecret(KIND.UPSTREAM_ID_TOKEN, ann.idToken, 'IdP id_token of ann for ts-e2e-app (exchanged)');
}, TIMEOUT);

// ---- the IdP side --------------------------------------------------------------------------

test('IdP login with openid-client (code + PKCE S256) yields a validated ES256 id_token for ann', TIMEOUT, () => {
  assert.ok(ann?.idToken, 'no id_token');
  assert.equal(decodeProtectedHeader(ann.idToken).alg, 'ES256');
  assert.equal(ann.claims.iss, IDP_ISSUER);
  assert.equal(ann.claims.aud, 'ts-e2e-app');
  assert.equal(ann.claims.sub, 'ann-001');
  assert.equal(ann.claims.email, 'ann@example.com');
  assert.equal(ann.claims.name, 'Ann Example');
});

// ---- the token service's metadata ----------------------------------------------------------

test('token service metadata (RFC 8414) is usable by openid-client and lists the token-exchange grant', TIMEOUT, async () => {
  exchanger = await tsConfiguration('e2e-exchanger', client.ClientSecretBasic(EXCHANGER_SECRET));
  const metadata = exchanger.serverMetadata();
  assert.equal(metadata.issuer, TS_ISSUER);
  assert.equal(metadata.token_endpoint, `${TS_ISSUER}/token`);
  assert.ok(metadata.jwks_uri, 'jwks_uri');
  assert.ok(Array.isArray(metadata.grant_types_supported)
    && metadata.grant_types_supported.includes(TOKEN_EXCHANGE),
  `grant_types_supported should include ${TOKEN_EXCHANGE}: ${JSON.stringify(metadata.grant_types_supported)}`);
});

// ---- the happy path ------------------------------------------------------------------------

test('token exchange: 200 with an RFC 8693 §2.2.1 response, scope narrowed by the authority', TIMEOUT, async (t) => {
  exchanger ??= await tsConfiguration('e2e-exchanger', client.ClientSecretBasic(EXCHANGER_SECRET));
  await resetAuthorityCalls();
  happy = await exchange(exchanger, ann.idToken);
  happyAuthorityCalls = await authorityCalls();
  t.diagnostic(`/token answered: ${describeHttp(happy.http)}`);

  assert.ok(happy.ok, `exchange failed: ${describeHttp(happy.http)} (${happy.error?.message})`);
  assert.equal(happy.http.status, 200, describeHttp(happy.http));
  const body = happy.http.json;
  assert.equal(body.issued_token_type, ACCESS_TOKEN_TYPE, `issued_token_type — ${describeHttp(happy.http)}`);
  assert.match(body.token_type ?? '', /^bearer$/i, `token_type — ${describeHttp(happy.http)}`);
  assert.equal(typeof body.access_token, 'string');
  assert.equal(typeof body.expires_in, 'number', `expires_in — ${describeHttp(happy.http)}`);
  assert.ok(body.expires_in > 0 && body.expires_in <= 300, `expires_in ${body.expires_in}`);
  assert.deepEqual(scopeSet(body.scope), scopeSet('invoices.read media.play'),
    `scope should be "invoices.read media.play" (invoices.write narrowed away by the authority) — ${describeHttp(happy.http)}`);
  assert.equal(body.refresh_token, undefined, 'no refresh_token for a token exchange');
  assert.match(happy.http.headers.get('cache-control') ?? '', /no-store/, 'Cache-Control: no-store');
});

test('exchanged access token verifies against the token service JWKS (RFC 9068 at+jwt, ES256)', TIMEOUT, async () => {
  assert.ok(happy?.ok, `no token: the exchange failed — ${describeHttp(happy?.http)}`);
  const jwksUri = exchanger.serverMetadata().jwks_uri;
  assert.equal(jwksUri, `${TS_ISSUER}/jwks`);
  const jwks = createRemoteJWKSet(new URL(jwksUri));
  const { payload, protectedHeader } = await jwtVerify(happy.tokens.access_token, jwks, {
    issuer: TS_ISSUER,
    typ: 'at+jwt',
    algorithms: ['ES256'],
  });
  assert.equal(protectedHeader.alg, 'ES256');
  assert.match(protectedHeader.typ, /^(application\/)?at\+jwt$/i);
  assert.ok(protectedHeader.kid, 'kid in the header');
  assert.ok(payload.jti && payload.iat && payload.exp, 'jti, iat, exp');
});

test('exchanged access token carries the user, the IdP, both audiences and the authority claims', TIMEOUT, (t) => {
  assert.ok(happy?.ok, `no token: the exchange failed — ${describeHttp(happy?.http)}`);
  const claims = decodeJwt(happy.tokens.access_token);
  const dump = JSON.stringify(claims);
  t.diagnostic(`access token: ${JSON.stringify(decodeProtectedHeader(happy.tokens.access_token))} ${dump}`);
  assert.equal(claims.iss, TS_ISSUER, dump);
  assert.equal(claims.sub, 'ann-001', `the upstream sub, unchanged — ${dump}`);
  assert.equal(claims.idp, IDP_ISSUER, `idp = the upstream issuer — ${dump}`);
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  assert.ok(aud.includes(INVOICES) && aud.includes(MEDIA), `aud lists both resources — ${dump}`);
  assert.equal(claims.client_id, 'e2e-exchanger', dump);
  assert.deepEqual(scopeSet(claims.scope), scopeSet('invoices.read media.play'), `scope claim — ${dump}`);
  assert.equal(claims[INVOICES]?.plan, 'gold', `the authority's claims under the resource's name — ${dump}`);
});

test('the scope authority received exactly the contract JSON, once', TIMEOUT, (t) => {
  assert.ok(happyAuthorityCalls, 'the exchange test did not run');
  t.diagnostic(`authority received: ${JSON.stringify(happyAuthorityCalls.map((c) => c.body ?? c.raw))}`);
  assert.equal(happyAuthorityCalls.length, 1,
    `one call (only the invoices resource has an authority): ${JSON.stringify(happyAuthorityCalls)}`);
  const [call] = happyAuthorityCalls;
  assert.match(call.headers['content-type'] ?? '', /^application\/json/, 'Content-Type of the webhook POST');
  const body = call.body;
  assert.ok(body, `a JSON body: ${call.raw}`);
  const dump = JSON.stringify(body);
  assert.equal(body.resource, INVOICES, dump);
  assert.equal(body.client_id, 'e2e-exchanger', dump);
  assert.equal(body.grant_type, TOKEN_EXCHANGE, dump);
  assert.equal(body.subject, 'ann-001', dump);
  assert.equal(body.issuer, IDP_ISSUER, dump);
  assert.ok(Array.isArray(body.requested_scopes), dump);
  assert.deepEqual([...body.requested_scopes].sort(), ['invoices.read', 'invoices.write'], dump);
  assert.equal(body.claims?.email, 'ann@example.com', dump);
  const contractKeys = ['resource', 'client_id', 'grant_type', 'subject', 'issuer', 'requested_scopes', 'claims'];
  const extra = Object.keys(body).filter((k) => !contractKeys.includes(k));
  assert.deepEqual(extra, [], `fields beyond the contract: ${dump}`);
});

// ---- unhappy paths -------------------------------------------------------------------------

test('a tampered id_token (payload changed, signature kept) → 400 invalid_request, no authority call', TIMEOUT, async (t) => {
  exchanger ??= await tsConfiguration('e2e-exchanger', client.ClientSecretBasic(EXCHANGER_SECRET));
  const [header, payload, signature] = ann.idToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  claims.sub = 'mallory-666';
  claims.email = 'mallory@example.com';
  const tampered = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');

  await resetAuthorityCalls();
  const result = await exchange(exchanger, tampered);
  assertOAuthError(t, result, 400, 'invalid_request', 'tampered id_token');
  assert.deepEqual(await authorityCalls(), [], 'the authority must not be asked about an invalid subject_token');
});

test('an id_token issued to another client (untrusted audience) → 400 invalid_request', TIMEOUT, async (t) => {
  exchanger ??= await tsConfiguration('e2e-exchanger', client.ClientSecretBasic(EXCHANGER_SECRET));
  const other = await loginAndGetIdToken({
    issuer: IDP_ISSUER,
    clientId: 'other-app',
    clientSecret: env('IDP_OTHER_SECRET'),
    redirectUri: IDP_REDIRECT_URI,
    username: 'ann',
    password: ANN_PASSWORD,
  });
  recordSecret(KIND.UPSTREAM_ID_TOKEN, other.idToken, 'IdP id_token of ann for other-app (refused)');
  assert.equal(other.claims.aud, 'other-app');
  assert.equal(other.claims.sub, 'ann-001');

  await resetAuthorityCalls();
  const result = await exchange(exchanger, other.idToken);
  assertOAuthError(t, result, 400, 'invalid_request', 'id_token for other-app');
  assert.deepEqual(await authorityCalls(), [], 'the authority must not be asked about an untrusted subject_token');
});

test('an unauthenticated exchange → 401 invalid_client', TIMEOUT, async (t) => {
  lastTokenResponse = undefined;
  const response = await recordingFetch(`${TS_ISSUER}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: TOKEN_EXCHANGE,
      subject_token: ann.idToken,
      subject_token_type: ID_TOKEN_TYPE,
      scope: REQUESTED_SCOPE,
    }).toString(),
  });
  await response.arrayBuffer();
  assertOAuthError(t, { ok: false, http: lastTokenResponse }, 401, 'invalid_client', 'no client authentication');
});

test('a wrong client secret (Basic) → 401 invalid_client with WWW-Authenticate', TIMEOUT, async (t) => {
  const wrong = await tsConfiguration('e2e-exchanger', client.ClientSecretBasic(`${EXCHANGER_SECRET}x`));
  const result = await exchange(wrong, ann.idToken);
  assertOAuthError(t, result, 401, 'invalid_client', 'wrong client secret');
  assert.match(result.http.headers.get('www-authenticate') ?? '', /^Basic/i,
    `WWW-Authenticate on a Basic invalid_client — ${describeHttp(result.http)}`);
  t.diagnostic(`WWW-Authenticate: ${result.http.headers.get('www-authenticate')}`);
});
