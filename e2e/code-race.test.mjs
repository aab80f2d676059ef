// The attack: one authorization code (stolen from a redirect, a log, a Referer) redeemed several
// times at once, to win a race against the one-time check. ARCHITECTURE.md "Trust and abuse",
// Authorization codes under concurrency: however close together two redemptions of one code come,
// exactly one succeeds and the tokens it issued are revoked (their refresh token fails, their
// access tokens introspect active: false).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ORCH, RP, RP_SECRET, Browser, rp, start, recordCode, postForm, introspect, eventually } from './lib/orchestrator.mjs';
import { recordTokenResponse } from './lib/secrets.mjs';

const PARALLEL = 8;
const E2E_RP = { clientId: 'e2e-rp', clientSecret: RP_SECRET };

test(`one code redeemed by ${PARALLEL} parallel requests: exactly one 200, the rest invalid_grant, and the winner's tokens are revoked`, { timeout: 60_000 }, async () => {
  const flow = await start(rp, `${RP}/cb`, 'openid profile email invoices.read media.play');
  const callback = await new Browser().run(flow.url.href, `${RP}/cb`);
  recordCode(callback, 'the orchestrator\'s code for e2e-rp (raced)');
  const redemption = {
    grant_type: 'authorization_code', code: callback.searchParams.get('code'),
    redirect_uri: `${RP}/cb`, code_verifier: flow.verifier,
  };

  // All requests are on the wire before any answer is read (one connection each).
  const answers = await Promise.all(Array.from({ length: PARALLEL }, () => postForm(`${ORCH}/token`, redemption, E2E_RP)));
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

  // The winner's refresh token no longer works at the orchestrator.
  const refreshed = await postForm(`${ORCH}/token`, { grant_type: 'refresh_token', refresh_token: won.refresh_token }, E2E_RP);
  recordTokenResponse(refreshed.json, 'refresh with the raced code\'s refresh token');
  assert.equal(refreshed.status, 400, `the winner's refresh token still works: ${refreshed.text}`);
  assert.equal(refreshed.json?.error, 'invalid_grant', refreshed.text);

  // Its per-API access tokens introspect inactive at the token service (revocation may take a moment).
  for (const [resource, token] of Object.entries(won.access_tokens)) {
    let last;
    const inactive = await eventually(async () => {
      last = await introspect(token.access_token);
      return last.status === 200 && last.json?.active === false;
    });
    assert.ok(inactive, `the access token for ${resource} is still active: ${last.status} ${last.text}`);
  }

  // And the orchestrator's /userinfo refuses its top-level access token.
  let userinfo;
  const refused = await eventually(async () => {
    userinfo = await fetch(`${ORCH}/userinfo`, { headers: { authorization: `Bearer ${won.access_token}` } });
    await userinfo.arrayBuffer();
    return userinfo.status === 401;
  });
  assert.ok(refused, `/userinfo still answers ${userinfo.status} for the top-level access token`);
  assert.match(userinfo.headers.get('www-authenticate') ?? '', /invalid_token/);
});
