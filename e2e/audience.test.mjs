// The attack: a relying party (or anyone it leaks to) replays the access token it got from the
// orchestrator at an API it was not meant for. ARCHITECTURE.md "Trust and abuse", Audience: the
// orchestrator's top-level access_token is for its own /userinfo only (aud = the orchestrator's
// issuer); each API's token is in access_tokens, with that API alone as aud. Signatures are checked
// against the JWKS of each token's issuer.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify, decodeJwt } from 'jose';

import { ORCH, TS, Browser, rp, login } from './lib/orchestrator.mjs';

const APIS = ['https://api.example/invoices', 'https://api.example/media'];
const JWKS = { [ORCH]: createRemoteJWKSet(new URL(`${ORCH}/jwks`)), [TS]: createRemoteJWKSet(new URL(`${TS}/jwks`)) };

const audiences = (payload) => [].concat(payload.aud ?? []);

function isJwt(token) {
  try { decodeJwt(token); return true; } catch { return false; }
}

let tokens;

before(async () => {
  ({ tokens } = await login(new Browser()));
});

test('the top-level access_token is for the orchestrator\'s /userinfo alone (aud = its issuer), signed by its issuer', async () => {
  const token = tokens.access_token;
  if (!isJwt(token)) {
    // An opaque token carries no audience a resource server could be fooled by; it must still serve /userinfo.
    const info = await client.fetchUserInfo(rp, token, 'ann-001');
    assert.equal(info.sub, 'ann-001');
    return;
  }
  const { iss } = decodeJwt(token);
  assert.ok(JWKS[iss], `issued by ${iss}, neither the orchestrator nor the token service`);
  const { payload } = await jwtVerify(token, JWKS[iss], { issuer: iss });
  assert.deepEqual(audiences(payload), [ORCH], `aud of the top-level access_token: ${JSON.stringify(payload.aud)}`);
  assert.equal(payload.sub, 'ann-001');
  const info = await client.fetchUserInfo(rp, token, 'ann-001');
  assert.equal(info.sub, 'ann-001', 'it still serves /userinfo');
});

test('every token in access_tokens has exactly one aud, its API, and verifies against the token service\'s JWKS', async () => {
  const perResource = tokens.access_tokens ?? {};
  assert.deepEqual(Object.keys(perResource).sort(), APIS, 'one token per API the login was granted');
  for (const [resource, token] of Object.entries(perResource)) {
    const { payload, protectedHeader } = await jwtVerify(token.access_token, JWKS[TS], { issuer: TS, typ: 'at+jwt' });
    assert.equal(protectedHeader.typ, 'at+jwt');
    assert.deepEqual(audiences(payload), [resource], `aud of the token for ${resource}: ${JSON.stringify(payload.aud)}`);
    assert.equal(payload.sub, 'ann-001');
  }
});

test('no token of the response is accepted for an API it was not issued for', async () => {
  const perResource = tokens.access_tokens ?? {};
  const all = [['access_token', tokens.access_token],
    ...Object.entries(perResource).map(([r, t]) => [`access_tokens[${r}]`, t.access_token])];
  for (const [name, token] of all) {
    if (!isJwt(token)) continue;
    const { iss } = decodeJwt(token);
    for (const api of APIS) {
      if (name === `access_tokens[${api}]`) continue;
      await assert.rejects(jwtVerify(token, JWKS[iss], { issuer: iss, audience: api }),
        { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' }, `${name} is accepted by ${api}`);
    }
  }
});
