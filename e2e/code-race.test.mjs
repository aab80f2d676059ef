// The attack: one authorization code (stolen from a redirect, a log, a Referer) redeemed several
// times at once, to win a race against the one-time check — or to slip a replay in between the
// code being taken and its "used" marker being written, where it would revoke nothing.
// ARCHITECTURE.md "Trust and abuse", Authorization codes under concurrency: however close together
// two redemptions of one code come, exactly one succeeds and the tokens it issued are revoked
// (their refresh token fails, their access tokens introspect active: false).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ORCH, RP, RP_SECRET, FULL_SCOPE, Browser, rp, start, recordCode, postForm, introspect, eventually } from './lib/orchestrator.mjs';
import { recordTokenResponse } from './lib/secrets.mjs';

const E2E_RP = { clientId: 'e2e-rp', clientSecret: RP_SECRET };
const TIMEOUT = { timeout: 120_000 };

// One browser for every round: after the first login its SSO session gives codes without the IdP.
const ann = new Browser();

/**
 * A fresh code of ann's, redeemed by `parallel` requests put on the wire together (one connection
 * each, none read before all are sent). Answers { answers, summary, won } — won: the one 200 body.
 */
async function race(parallel) {
  const flow = await start(rp, `${RP}/cb`, FULL_SCOPE);
  const callback = await ann.run(flow.url.href, `${RP}/cb`);
  recordCode(callback, 'the orchestrator\'s code for e2e-rp (raced)');
  const redemption = {
    grant_type: 'authorization_code', code: callback.searchParams.get('code'),
    redirect_uri: `${RP}/cb`, code_verifier: flow.verifier,
  };
  const answers = await Promise.all(Array.from({ length: parallel }, () => postForm(`${ORCH}/token`, redemption, E2E_RP)));
  answers.forEach((a) => recordTokenResponse(a.json, 'a parallel redemption of one code'));
  const summary = answers.map((a) => `${a.status} ${a.json?.error ?? ''}`.trim()).join(', ');

  const winners = answers.filter((a) => a.status === 200);
  assert.equal(winners.length, 1, `exactly one redemption succeeds: ${summary}`);
  for (const loser of answers.filter((a) => a.status !== 200)) {
    assert.equal(loser.status, 400, summary);
    assert.equal(loser.json?.error, 'invalid_grant', loser.text);
  }
  const won = winners[0].json;
  assert.ok(won.refresh_token && won.access_token && won.access_tokens, `a full token response: ${Object.keys(won)}`);
  return { answers, summary, won };
}

/** What the winning redemption issued no longer works (revocation may take a moment: polled ≤ 5 s). */
async function assertRevoked(won, round) {
  const refreshed = await postForm(`${ORCH}/token`, { grant_type: 'refresh_token', refresh_token: won.refresh_token }, E2E_RP);
  recordTokenResponse(refreshed.json, 'refresh with the raced code\'s refresh token');
  assert.equal(refreshed.status, 400, `${round}: the winner's refresh token still works at the orchestrator (${refreshed.status}, `
    + `new ${Object.keys(refreshed.json ?? {}).join(', ')})`);
  assert.equal(refreshed.json?.error, 'invalid_grant', refreshed.text);

  for (const [resource, token] of Object.entries(won.access_tokens)) {
    let last;
    const inactive = await eventually(async () => {
      last = await introspect(token.access_token);
      return last.status === 200 && last.json?.active === false;
    });
    assert.ok(inactive, `${round}: the winner's access token for ${resource} still introspects ${last.status} ${last.text}`);
  }

  let userinfo;
  const refused = await eventually(async () => {
    userinfo = await fetch(`${ORCH}/userinfo`, { headers: { authorization: `Bearer ${won.access_token}` } });
    await userinfo.arrayBuffer();
    return userinfo.status === 401;
  });
  assert.ok(refused, `${round}: /userinfo still answers ${userinfo.status} for the winner's top-level access token`);
  assert.match(userinfo.headers.get('www-authenticate') ?? '', /invalid_token/);
}

test('one code redeemed by 8 parallel requests: exactly one 200, the rest invalid_grant, and the winner\'s tokens are revoked', TIMEOUT, async () => {
  const { won } = await race(8);
  await assertRevoked(won, '8 at once');
});

test('two redemptions of one code at the same moment, 10 times: each time one 200, one invalid_grant, the winner\'s tokens revoked', TIMEOUT, async () => {
  for (let round = 1; round <= 10; round++) {
    const { won } = await race(2);
    await assertRevoked(won, `round ${round}`);
  }
});
