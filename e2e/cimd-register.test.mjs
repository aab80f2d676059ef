// End to end: clients nobody registered by hand log in at the orchestrator with openid-client.
// - A Client ID Metadata Document client: its client_id is the https URL of its metadata, served by a
//   small https server this file starts on loopback (the run sets ORCHESTRATOR_CIMD_ALLOW_LOOPBACK and a
//   trust store holding the server's self-signed certificate). No registry entry names it.
// - A client registered at /register (RFC 7591) with the initial access token.
// Both are asked for consent by name and capped at ORCHESTRATOR_REGISTRATION_MAX_SCOPE. A client that
// names one resource (RFC 8707, as MCP clients do) gets that API's token as the top-level access_token.
// The registered client's secret and the initial access token are recorded for the datastore scan.
// Run by e2e/run-orchestrator.sh, which sets E2E_CIMD_KEY, E2E_CIMD_CERT, E2E_REGISTRATION_TOKEN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { ORCH, TS, RP, Browser, INSECURE, FULL_SCOPE, login, start } from './lib/orchestrator.mjs';
import { recordSecret, KIND } from './lib/secrets.mjs';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run the tests through e2e/run-orchestrator.sh)`);
  return value;
};
const REGISTRATION_TOKEN = env('E2E_REGISTRATION_TOKEN');
const CAPPED = 'openid profile email invoices.read';
const INVOICES = 'https://api.example/invoices';
const tsJwks = createRemoteJWKSet(new URL(`${TS}/jwks`));
recordSecret(KIND.INITIAL_ACCESS_TOKEN, REGISTRATION_TOKEN, 'ORCHESTRATOR_REGISTRATION_TOKEN');

let documents;
let documentUrl;
const served = new Map();

before(async () => {
  documents = createServer({ key: readFileSync(env('E2E_CIMD_KEY')), cert: readFileSync(env('E2E_CIMD_CERT')) }, (req, res) => {
    const body = served.get(req.url);
    if (!body) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
    res.end(body);
  });
  await new Promise((resolve) => { documents.listen(0, '127.0.0.1', resolve); });
  documentUrl = `https://127.0.0.1:${documents.address().port}/agent.json`;
  served.set('/agent.json', JSON.stringify({
    client_id: documentUrl,
    client_name: 'E2E agent',
    redirect_uris: [`${RP}/cimd-cb`],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
  }));
});

after(() => new Promise((resolve) => { documents.close(resolve); }));

function grantedApis(tokens) {
  return Object.keys(tokens.access_tokens ?? {}).sort();
}

test('discovery advertises metadata documents and the registration endpoint', async () => {
  const metadata = await (await fetch(`${ORCH}/.well-known/openid-configuration`)).json();
  assert.equal(metadata.client_id_metadata_document_supported, true);
  assert.equal(metadata.registration_endpoint, `${ORCH}/register`);
});

test('a metadata-document client with no registry entry logs in with openid-client (consent, PKCE, capped scope)', async () => {
  const config = await client.discovery(new URL(ORCH), documentUrl, {}, client.None(), INSECURE);
  const browser = new Browser();
  const { tokens } = await login(browser, config, `${RP}/cimd-cb`, FULL_SCOPE);
  const claims = tokens.claims();
  assert.equal(claims.aud, documentUrl);
  assert.equal(claims.sub, 'ann-001');
  assert.equal(tokens.scope, CAPPED, 'media.play is beyond ORCHESTRATOR_REGISTRATION_MAX_SCOPE');
  assert.deepEqual(grantedApis(tokens), ['https://api.example/invoices']);
  assert.ok(browser.trail.some((step) => step.startsWith('POST') && step.includes('/authorize/consent')), browser.trail.join(', '));
  // the consent is remembered in that browser for a while: a second login goes straight through
  const again = await login(browser, config, `${RP}/cimd-cb`, 'openid');
  assert.equal(again.tokens.claims().aud, documentUrl);
  // naming one resource, as an MCP client does: the top-level access_token is that API's, from the token service
  const mcp = await login(browser, config, `${RP}/cimd-cb`, 'openid', { resource: INVOICES });
  assert.equal((await jwtVerify(mcp.tokens.access_token, tsJwks, { issuer: TS, audience: INVOICES })).payload.aud, INVOICES);
});

test('a metadata document on a private address is an error page, never a redirect', async () => {
  const config = await client.discovery(new URL(ORCH), 'https://169.254.169.254/latest/meta-data/client.json', {},
    client.None(), INSECURE);
  const flow = await start(config, `${RP}/cimd-cb`, 'openid');
  const response = await fetch(flow.url, { redirect: 'manual' });
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('location'), null);
  assert.match(await response.text(), /169\.254\.169\.254 is a link-local address/);
});

test('a dynamically registered client logs in with openid-client', async () => {
  const response = await fetch(`${ORCH}/register`, {
    method: 'POST',
    headers: { authorization: `Bearer ${REGISTRATION_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'E2E registered app', redirect_uris: [`${RP}/reg-cb`],
      grant_types: ['authorization_code', 'refresh_token'], scope: FULL_SCOPE }),
  });
  assert.equal(response.status, 201);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const registered = await response.json();
  recordSecret(KIND.CLIENT_SECRET, registered.client_secret, `client_secret of ${registered.client_id}`);
  assert.equal(registered.token_endpoint_auth_method, 'client_secret_basic');
  assert.equal(registered.scope, CAPPED);

  const config = await client.discovery(new URL(ORCH), registered.client_id, { client_secret: registered.client_secret },
    client.ClientSecretBasic(registered.client_secret), INSECURE);
  const { tokens } = await login(new Browser(), config, `${RP}/reg-cb`, FULL_SCOPE);
  assert.equal(tokens.claims().aud, registered.client_id);
  assert.equal(tokens.scope, CAPPED);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.equal(refreshed.claims().aud, registered.client_id);
});

test('registration without the initial access token is 401 with a Bearer challenge', async () => {
  const body = JSON.stringify({ redirect_uris: [`${RP}/reg-cb`] });
  const none = await fetch(`${ORCH}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="orchestrator"');
  const wrong = await fetch(`${ORCH}/register`, {
    method: 'POST', headers: { authorization: 'Bearer not-the-token', 'content-type': 'application/json' }, body,
  });
  assert.equal(wrong.status, 401);
  assert.equal((await wrong.json()).error, 'invalid_token');
});
