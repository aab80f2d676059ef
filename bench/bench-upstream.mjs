// bench-upstream.mjs - a fast upstream OpenID provider for orchestrator-bench.sh, loopback only.
//
//   GET  /.well-known/openid-configuration   discovery (ES256, PKCE S256, client_secret_basic)
//   GET  /jwks                               the public key, Cache-Control: max-age=3600
//   POST /token                              authorization_code grant: returns an ES256 id_token
//   GET  /stats                              requests served, and the first refusals
//
// There is no login page: the bench driver (orchestrator-prep.mjs) makes the codes itself. A code
// is base64url(JSON {"n": <nonce>, "c": <PKCE challenge>, "s": <sub>}), built from the upstream
// authorization request the orchestrator redirected to; /token checks the client's HTTP Basic
// credentials, redirect_uri, that SHA-256(code_verifier) is the challenge, and answers an id_token
// with iss = this issuer, aud = the client, sub, the nonce, auth_time, acr, amr, email, name, valid
// ID_TOKEN_TTL_S. So the orchestrator does exactly the work of a real login: one HTTPS-less token
// request, signature check via the cached JWKS, iss/aud/nonce/exp validation.
//
// Environment: UPSTREAM_PORT (18094), UPSTREAM_CLIENT_ID, UPSTREAM_CLIENT_SECRET (required),
// UPSTREAM_REDIRECT_URI (the orchestrator's /callback; checked when set), ID_TOKEN_TTL_S (3600).
// Prints "READY <issuer>" on stdout once it listens; stops on SIGTERM/SIGINT.
import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const port = Number(process.env.UPSTREAM_PORT || 18094);
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.UPSTREAM_CLIENT_ID;
const clientSecret = process.env.UPSTREAM_CLIENT_SECRET;
const redirectUri = process.env.UPSTREAM_REDIRECT_URI || '';
const ttl = Number(process.env.ID_TOKEN_TTL_S || 3600);
if (!clientId || !clientSecret) {
  console.error('UPSTREAM_CLIENT_ID and UPSTREAM_CLIENT_SECRET are required');
  process.exit(2);
}
const expectedAuth = Buffer.from('Basic ' + Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64'));

const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
const kid = `up-${Date.now().toString(36)}`;
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] });
const discovery = JSON.stringify({
  issuer,
  authorization_endpoint: `${issuer}/authorize`,
  token_endpoint: `${issuer}/token`,
  jwks_uri: `${issuer}/jwks`,
  response_types_supported: ['code'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['ES256'],
  code_challenge_methods_supported: ['S256'],
  token_endpoint_auth_methods_supported: ['client_secret_basic'],
  grant_types_supported: ['authorization_code'],
});
const stats = { discovery: 0, jwks: 0, token: 0, token_refused: 0, first_refusal: null };

function send(res, status, type, body, extra = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

function refuse(res, status, error, why) {
  stats.token_refused++;
  stats.first_refusal ??= why;
  send(res, status, 'application/json', JSON.stringify({ error, error_description: why }), { 'Cache-Control': 'no-store' });
}

function b64urlSha256(s) {
  return createHash('sha256').update(s, 'ascii').digest('base64url');
}

async function token(req, res, body) {
  const auth = Buffer.from(req.headers.authorization || '');
  if (auth.length !== expectedAuth.length || !timingSafeEqual(auth, expectedAuth)) {
    return refuse(res, 401, 'invalid_client', 'wrong client credentials');
  }
  const form = new URLSearchParams(body);
  if (form.get('grant_type') !== 'authorization_code') return refuse(res, 400, 'unsupported_grant_type', `grant_type ${form.get('grant_type')}`);
  if (redirectUri && form.get('redirect_uri') !== redirectUri) return refuse(res, 400, 'invalid_grant', `redirect_uri ${form.get('redirect_uri')}`);
  let grant;
  try {
    grant = JSON.parse(Buffer.from(form.get('code') || '', 'base64url').toString('utf8'));
  } catch {
    return refuse(res, 400, 'invalid_grant', 'the code does not decode');
  }
  const verifier = form.get('code_verifier');
  if (!grant?.n || !grant?.c || !grant?.s || !verifier || b64urlSha256(verifier) !== grant.c) {
    return refuse(res, 400, 'invalid_grant', 'code incomplete or PKCE verifier does not match');
  }
  const now = Math.floor(Date.now() / 1000);
  const idToken = await new SignJWT({
    nonce: grant.n, auth_time: now, acr: 'urn:bench:pwd', amr: ['pwd'],
    email: `${grant.s}@example.com`, email_verified: true, name: `Bench ${grant.s}`,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid })
    .setIssuer(issuer).setSubject(grant.s).setAudience(clientId)
    .setIssuedAt(now).setExpirationTime(now + ttl)
    .sign(privateKey);
  stats.token++;
  send(res, 200, 'application/json', JSON.stringify({ access_token: `up-at-${now}`, token_type: 'Bearer', expires_in: 300, id_token: idToken }),
    { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (req.method === 'POST' && path === '/token') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => token(req, res, Buffer.concat(chunks).toString('utf8')).catch((e) => send(res, 500, 'text/plain', String(e))));
    return;
  }
  if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed\n');
  switch (path) {
    case '/.well-known/openid-configuration':
      stats.discovery++;
      return send(res, 200, 'application/json', discovery, { 'Cache-Control': 'public, max-age=3600' });
    case '/jwks':
      stats.jwks++;
      return send(res, 200, 'application/json', jwks, { 'Cache-Control': 'public, max-age=3600' });
    case '/stats':
      return send(res, 200, 'application/json', JSON.stringify(stats));
    default:
      return send(res, 404, 'text/plain', 'not found\n');
  }
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log(`READY ${issuer}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => { server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 2000).unref(); });
