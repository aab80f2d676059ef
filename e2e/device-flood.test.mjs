// The attack: an anonymous flood of device authorization requests (RFC 8628 §3.1) for a public
// client, from one address, to fill Redis with device-code records. ARCHITECTURE.md "Trust and
// abuse": /device_authorization for public clients allows at most 30 requests per minute per client
// address (ts.device.max-per-minute-per-ip), past which it answers 429 with Retry-After and
// {"error":"slow_down"}.
//
// Runs after e2e/device-flow.test.mjs in e2e/run.sh (its own device codes count within the same
// minute, which only makes "at most 30" stricter). Afterwards this address gets 429 for up to a
// minute: nothing after it in the run asks for device codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { recordSecret, KIND } from './lib/secrets.mjs';

const TS_ISSUER = process.env.TS_ISSUER;
const LIMIT = 30;
const FLOOD = 60;

async function deviceAuthorization() {
  const response = await fetch(`${TS_ISSUER}/device_authorization`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ client_id: 'tv-app', scope: 'media.play' }).toString(),
  });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  if (json?.device_code) recordSecret(KIND.DEVICE_CODE, json.device_code, 'device_authorization flood');
  return { status: response.status, retryAfter: response.headers.get('retry-after'), text, json };
}

test(`${FLOOD} anonymous device_authorization requests in a minute from one address: at most ${LIMIT} succeed, then 429 slow_down with Retry-After`, { timeout: 60_000 }, async () => {
  const started = Date.now();
  const answers = [];
  for (let i = 0; i < FLOOD; i++) answers.push(await deviceAuthorization());
  assert.ok(Date.now() - started < 60_000, 'the flood took more than a minute: it proves nothing about a per-minute limit');

  const summary = answers.map((a) => a.status).join(' ');
  const succeeded = answers.filter((a) => a.status === 200).length;
  assert.ok(succeeded <= LIMIT, `${succeeded} of ${FLOOD} succeeded (at most ${LIMIT} allowed): ${summary}`);

  const firstRefused = answers.findIndex((a) => a.status !== 200);
  assert.ok(firstRefused >= 0, `none refused: ${summary}`);
  for (const [i, a] of answers.slice(firstRefused).entries()) {
    const n = firstRefused + i + 1;
    assert.equal(a.status, 429, `request ${n}: once refused, every later request is refused too: ${summary}`);
    assert.equal(a.json?.error, 'slow_down', `request ${n}: ${a.text}`);
    assert.ok(Number(a.retryAfter) > 0 && Number(a.retryAfter) <= 60, `request ${n}: Retry-After ${a.retryAfter}`);
  }
});
