// The last test file of each e2e run: after every flow of the run (token exchange, device flow in
// the browser, orchestrator logins with code redemption, refresh, userinfo, logout), a reader of
// the datastores must find no bearer credential in clear (ARCHITECTURE.md "Trust and abuse":
// "Datastores hold no bearer credential in clear").
//
// The needles are the values the earlier test files recorded (e2e/lib/secrets.mjs): access and
// refresh tokens, authorization and device codes, upstream id_tokens — each as issued, a JWT's
// signature segment alone, and the decoded bytes re-encoded. The haystack is every Redis key name
// and value of the run's database (all types) and every row of every table of its PostgreSQL
// database (row_to_json).
//
// Run last by e2e/run.sh and e2e/run-orchestrator.sh (E2E_SECRETS_FILE, E2E_REDIS_URL, E2E_PG_URL).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

import { recordedSecrets, forms, shortly, KIND } from './lib/secrets.mjs';
import { redisContents, postgresContents, findSecrets, withPostgres } from './lib/datastores.mjs';

const TIMEOUT = { timeout: 120_000 };

let secrets;
let redis;
let postgres;

before(async () => {
  secrets = recordedSecrets();
  [redis, postgres] = await Promise.all([redisContents(), postgresContents()]);
}, TIMEOUT);

/** One line per secret and place, the forms found there joined; never the whole secret. */
function report(findings) {
  const lines = new Map();
  for (const f of findings) {
    const key = `  ${f.kind} (${f.label}, ${shortly(f.value)}) in ${f.where}`;
    lines.set(key, [...(lines.get(key) ?? []), f.form]);
  }
  const kinds = [...new Set(findings.map((f) => f.kind))].join(', ');
  return `${lines.size} finding(s) — ${kinds}:\n${[...lines].map(([line, fs]) => `${line} [${fs.join(' + ')}]`).join('\n')}`;
}

test('the earlier tests recorded bearer credentials to look for', TIMEOUT, (t) => {
  const byKind = Object.values(KIND).map((k) => `${k}: ${secrets.filter((s) => s.kind === k).length}`);
  t.diagnostic(`recorded: ${byKind.join(', ')}`);
  t.diagnostic(`scanned: ${redis.length} Redis key names and values, ${postgres.rows.length} PostgreSQL rows of ${postgres.tables.join(', ')}`);
  assert.ok(secrets.length > 0, 'nothing recorded: E2E_SECRETS_FILE unset, or the earlier test files did not run');
  for (const kind of [KIND.ACCESS_TOKEN, KIND.REFRESH_TOKEN]) {
    assert.ok(secrets.some((s) => s.kind === kind), `no ${kind} recorded`);
  }
  assert.ok(redis.length > 0, 'the run\'s Redis database is empty: the scan would prove nothing');
  assert.ok(postgres.rows.length > 0, 'the run\'s PostgreSQL database has no rows: the scan would prove nothing');
});

test('no Redis key or value holds a bearer credential the tests saw (whole, JWT signature, re-encoded)', TIMEOUT, () => {
  const findings = findSecrets(redis, secrets, forms);
  assert.ok(findings.length === 0, report(findings));
});

test('no PostgreSQL row holds a bearer credential the tests saw (whole, JWT signature, re-encoded)', TIMEOUT, () => {
  const findings = findSecrets(postgres.rows, secrets, forms);
  assert.ok(findings.length === 0, report(findings));
});

// The token service's refresh tokens that the orchestrator obtains are never shown to the tests, so
// they cannot be needles. But the token service keeps each of its refresh tokens as SHA-256 hex in
// refresh_token.token_hash: any token-shaped string in Redis whose SHA-256 is such a row is one of
// them, in clear. (Should the token service change how it hashes, this check finds nothing.)
test('no Redis value holds a token-service refresh token (a string whose SHA-256 is a refresh_token row)', TIMEOUT, async (t) => {
  const hashes = await withPostgres(async (client) => {
    const exists = await client.query(`SELECT 1 FROM information_schema.columns
      WHERE table_name = 'refresh_token' AND column_name = 'token_hash'`);
    if (exists.rowCount === 0) return undefined;
    const { rows } = await client.query('SELECT token_hash FROM refresh_token');
    return new Set(rows.map((r) => r.token_hash));
  });
  if (!hashes) {
    t.skip('the token service has no refresh_token.token_hash column any more');
    return;
  }
  t.diagnostic(`${hashes.size} refresh_token rows`);
  const findings = [];
  for (const { where, text } of redis) {
    for (const candidate of new Set(text.match(/[A-Za-z0-9_-]{32,}/g) ?? [])) {
      if (hashes.has(createHash('sha256').update(candidate, 'utf8').digest('hex'))) {
        findings.push(`  a token-service refresh token (${shortly(candidate)}) in ${where}`);
      }
    }
  }
  assert.ok(findings.length === 0, `${findings.length} finding(s):\n${findings.join('\n')}`);
});
