// The attack: an anonymous flood of authorization requests from one address (no cookies, no
// client authentication), each of which would make the orchestrator remember a login in progress,
// until Redis is full and every flow answers 503. ARCHITECTURE.md "Trust and abuse": requests
// without client authentication never make the datastores grow without bound; /authorize keeps a
// login in progress in the browser (a sealed cookie) or bounds what it stores per client address.
//
// The orchestrator's keys all start with orch: and the run has a Redis database of its own
// (E2E_REDIS_URL), in which nothing else runs during this file: a key that appears during the flood
// is the flood's.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { IDP, RP, rp, start } from './lib/orchestrator.mjs';
import { redisKeyNames } from './lib/datastores.mjs';

const FLOOD = 200;
const IN_FLIGHT = 10;

/** Sends `count` requests made by `request(i)`, `inFlight` at a time; answers their statuses in order. */
async function flood(count, inFlight, request) {
  const results = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await request(i);
    }
  }));
  return results;
}

/** "3×a, 1×b": how many items have each key (Object.groupBy needs Node 21). */
function countBy(items, keyOf) {
  const counts = new Map();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return [...counts].map(([key, n]) => `${n}×${key}`).join(', ');
}

test(`${FLOOD} anonymous /authorize requests from one address add no orch: key to Redis`, { timeout: 120_000 }, async () => {
  // One valid request, sent again and again: each would start a login at the IdP.
  const { url } = await start(rp, `${RP}/cb`, 'openid profile email');
  const before = await redisKeyNames('orch:*');

  const answers = await flood(FLOOD, IN_FLIGHT, async () => {
    const response = await fetch(url, { redirect: 'manual' });
    await response.arrayBuffer();
    return { status: response.status, location: response.headers.get('location') ?? '' };
  });

  const added = [...await redisKeyNames('orch:*')].filter((k) => !before.has(k));
  const statuses = countBy(answers, (a) => a.status);
  // The requests were real logins, not refused outright: each was sent on to the IdP (or throttled).
  assert.ok(answers[0].status === 302 && answers[0].location.startsWith(IDP), `the first request went to the IdP: ${JSON.stringify(answers[0])}`);
  assert.ok(answers.every((a) => (a.status === 302 && a.location.startsWith(IDP)) || a.status === 429), `answers: ${statuses}`);

  const byKind = countBy(added, (k) => `${k.split(':').slice(0, 2).join(':')}:…`);
  assert.equal(added.length, 0, `${FLOOD} requests (${statuses}) added ${added.length} keys: ${byKind}`);
});
