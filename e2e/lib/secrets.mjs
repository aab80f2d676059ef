// The bearer credentials the end-to-end tests saw, kept for the final scan of the datastores
// (e2e/datastore-scan.test.mjs): ARCHITECTURE.md "Trust and abuse" — no value in Redis or
// PostgreSQL contains an access token, refresh token, authorization code, device code, client
// assertion or upstream id_token as issued.
//
// `node --test` runs each test file in its own process, so the values go to a file shared by the
// run (E2E_SECRETS_FILE, one JSON object a line; the run scripts create it empty). Without
// E2E_SECRETS_FILE nothing is recorded (a test file run on its own).
import { appendFileSync, readFileSync, existsSync } from 'node:fs';

/** What kinds of values are looked for (the words of the architecture's bullet). */
export const KIND = Object.freeze({
  ACCESS_TOKEN: 'access token',
  REFRESH_TOKEN: 'refresh token',
  AUTHORIZATION_CODE: 'authorization code',
  DEVICE_CODE: 'device code',
  CLIENT_ASSERTION: 'client assertion',
  UPSTREAM_ID_TOKEN: 'upstream id_token',
  // the orchestrator's ticket of a login waiting at an API's page ("one-time values" as codes are)
  INTERACTION_TICKET: 'interaction ticket',
  // a secret the orchestrator issued to a client registered at /register (kept as its hash only)
  CLIENT_SECRET: 'client secret',
  // ORCHESTRATOR_REGISTRATION_TOKEN: compared, never stored
  INITIAL_ACCESS_TOKEN: 'initial access token',
  // a DPoP proof and its jti: the servers keep only a hash of the jti (with the key's thumbprint)
  DPOP_PROOF: 'DPoP proof',
  // the orchestrator's request_uri of a pushed authorization request (one-time, as codes are)
  REQUEST_URI: 'pushed request_uri',
});

const FILE = process.env.E2E_SECRETS_FILE;

/**
 * Records one value the test saw. `label` says where it came from (shown when the scan finds it).
 * Empty values are ignored, so a response without the field records nothing.
 */
export function recordSecret(kind, value, label) {
  if (!Object.values(KIND).includes(kind)) throw new Error(`unknown kind of secret: ${kind}`);
  if (typeof value !== 'string' || value === '' || !FILE) return;
  appendFileSync(FILE, `${JSON.stringify({ kind, label, value })}\n`);
}

/**
 * Records every bearer credential of a token response: the token service's (access_token,
 * refresh_token) or the orchestrator's (also access_tokens[resource].access_token and
 * upstream_id_token). The orchestrator's minted id_token is no bearer credential and is not recorded.
 */
export function recordTokenResponse(json, label) {
  if (!json || typeof json !== 'object') return;
  recordSecret(KIND.ACCESS_TOKEN, json.access_token, `${label}: access_token`);
  recordSecret(KIND.REFRESH_TOKEN, json.refresh_token, `${label}: refresh_token`);
  recordSecret(KIND.UPSTREAM_ID_TOKEN, json.upstream_id_token, `${label}: upstream_id_token`);
  for (const [resource, token] of Object.entries(json.access_tokens ?? {})) {
    recordSecret(KIND.ACCESS_TOKEN, token?.access_token, `${label}: access_tokens[${resource}]`);
  }
}

/** Everything recorded so far in this run: [{ kind, label, value }], duplicates removed. */
export function recordedSecrets() {
  if (!FILE || !existsSync(FILE)) return [];
  const byValue = new Map();
  for (const line of readFileSync(FILE, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const secret = JSON.parse(line);
    if (!byValue.has(secret.value)) byValue.set(secret.value, secret);
  }
  return [...byValue.values()];
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The strings whose presence in a datastore means `secret` is stored in clear: the value as
 * issued; for a JWT its signature segment alone (a token split into parts still gives it away);
 * and for base64url values (opaque tokens, JWT signatures) the same bytes re-encoded as standard
 * base64 and as hex (a token decoded and stored as bytes — bytea rows read as \x<hex>).
 * Returns [{ form, text }]; every text is long enough (≥ 16 characters) not to match by chance.
 */
export function forms(value) {
  const found = [{ form: 'as issued', text: value }];
  const parts = value.split('.');
  const isJwt = parts.length === 3 && parts.every((p) => BASE64URL.test(p)) && parts[2].length >= 16;
  if (isJwt) found.push({ form: 'JWT signature segment', text: parts[2] });
  const opaque = isJwt ? parts[2] : (BASE64URL.test(value) ? value : undefined);
  if (opaque && opaque.length >= 22) {
    const bytes = Buffer.from(opaque, 'base64url');
    found.push({ form: 'bytes as base64', text: bytes.toString('base64').replace(/=+$/, '') });
    found.push({ form: 'bytes as hex', text: bytes.toString('hex') });
  }
  return found.filter((f, i, all) => f.text.length >= 16 && all.findIndex((g) => g.text === f.text) === i);
}

/** A short, recognisable prefix of a secret for messages (never the whole value). */
export function shortly(value) {
  return `${value.slice(0, 10)}…(${value.length} chars)`;
}
