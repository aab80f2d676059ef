// bench-issuer.mjs - a minimal OpenID issuer for exchange-bench.sh, on the loopback interface only.
//
//   GET /.well-known/openid-configuration   discovery (issuer, jwks_uri, the signing algorithm)
//   GET /jwks                               the public key, Cache-Control: max-age=3600
//   GET /id_token                           a freshly minted id_token (text/plain)
//   GET /stats                              how often discovery and the JWKS were fetched
//
// The id_token: iss = this issuer, sub = bench-user, aud = bench-app, iat = now, exp = now + 2 h,
// plus email and name (the claims a scope authority receives). The key pair is new on every start.
//
// Environment: ISSUER_PORT (default 18090), ID_TOKEN_SUB, ID_TOKEN_AUD, ID_TOKEN_TTL_S (7200),
// ID_TOKEN_ALG (RS256, what Google, Azure AD, Okta and Keycloak sign id_tokens with by default; or ES256).
// Prints "READY <issuer>" on stdout once it listens; stops on SIGTERM/SIGINT.
import http from 'node:http';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const port = Number(process.env.ISSUER_PORT || 18090);
const issuer = `http://127.0.0.1:${port}`;
const sub = process.env.ID_TOKEN_SUB || 'bench-user';
const aud = process.env.ID_TOKEN_AUD || 'bench-app';
const ttl = Number(process.env.ID_TOKEN_TTL_S || 7200);
const alg = process.env.ID_TOKEN_ALG || 'RS256';
if (!['RS256', 'ES256'].includes(alg)) throw new Error(`ID_TOKEN_ALG must be RS256 or ES256, not ${alg}`);

const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
const kid = `bench-${Date.now().toString(36)}`;
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }] });
const discovery = JSON.stringify({
  issuer,
  jwks_uri: `${issuer}/jwks`,
  authorization_endpoint: `${issuer}/authorize`,
  token_endpoint: `${issuer}/token`,
  response_types_supported: ['code'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: [alg],
});
const fetches = { discovery: 0, jwks: 0, id_token: 0 };

async function mint() {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email: 'bench-user@example.com', name: 'Bench User', auth_time: now })
    .setProtectedHeader({ alg, typ: 'JWT', kid })
    .setIssuer(issuer)
    .setSubject(sub)
    .setAudience(aud)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .sign(privateKey);
}

function send(res, status, type, body, extra = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

const server = http.createServer(async (req, res) => {
  const path = req.url.split('?')[0];
  if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed\n');
  switch (path) {
    case '/.well-known/openid-configuration':
      fetches.discovery++;
      console.log(`${new Date().toISOString()} discovery fetched`);
      return send(res, 200, 'application/json', discovery, { 'Cache-Control': 'public, max-age=3600' });
    case '/jwks':
      fetches.jwks++;
      console.log(`${new Date().toISOString()} jwks fetched`);
      return send(res, 200, 'application/json', jwks, { 'Cache-Control': 'public, max-age=3600' });
    case '/id_token':
      fetches.id_token++;
      return send(res, 200, 'text/plain', await mint(), { 'Cache-Control': 'no-store' });
    case '/stats':
      return send(res, 200, 'application/json', JSON.stringify(fetches));
    default:
      return send(res, 404, 'text/plain', 'not found\n');
  }
});

server.listen(port, '127.0.0.1', () => console.log(`READY ${issuer} ${alg}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
