// The attack (logout CSRF): any page the user visits embeds <img src="https://orchestrator/logout">
// and signs her out of everything. Issue 11 "Logout": without a valid id_token_hint the
// orchestrator shows a confirmation page (a POST form with a CSRF token) instead of ending the
// session; the session ends when the user confirms.
//
// Each test signs ann in with a browser of its own (lib/orchestrator.mjs Browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { parseForms } from './lib/login.mjs';
import { ORCH, RP, Browser, rp, start, login, redeem } from './lib/orchestrator.mjs';

/** A new browser with an SSO session at the orchestrator (ann signed in at e2e-rp). */
async function signedIn() {
  const browser = new Browser();
  const { tokens } = await login(browser);
  assert.equal(tokens.claims().sub, 'ann-001');
  return browser;
}

/** A prompt=none login of the browser at e2e-rp: the client's redirect (code or error). */
async function silentLogin(browser) {
  const flow = await start(rp, `${RP}/cb`, 'openid', { prompt: 'none' });
  const back = await browser.run(flow.url.href, `${RP}/cb`);
  return { flow, back };
}

async function assertStillSignedIn(browser) {
  const { flow, back } = await silentLogin(browser);
  assert.equal(back.searchParams.get('error'), null, `the session ended: the silent login answered ${back}`);
  const tokens = await redeem(rp, flow, back);
  assert.equal(tokens.claims().sub, 'ann-001');
}

/** GET /logout without id_token_hint: the confirmation page and its POST form. */
async function confirmationPage(browser) {
  const response = await browser.fetch(`${ORCH}/logout`);
  const html = await response.text();
  assert.equal(response.status, 200, `GET /logout answered ${response.status} ${response.headers.get('location') ?? ''}: ${html.slice(0, 200)}`);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  const form = parseForms(html).find((f) => f.method === 'post');
  assert.ok(form, `a form that POSTs the confirmation: ${html.slice(0, 500)}`);
  return form;
}

test('GET /logout without id_token_hint shows a confirmation page and does not end the session', async () => {
  const ann = await signedIn();
  await confirmationPage(ann);
  await assertStillSignedIn(ann);
});

test('a cross-site POST /logout without the confirmation page\'s token does not end the session', async () => {
  const ann = await signedIn();
  const response = await ann.fetch(`${ORCH}/logout`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '',
  });
  await response.arrayBuffer();
  assert.ok(response.status < 500, `POST /logout answered ${response.status}`);
  await assertStillSignedIn(ann);
});

test('confirming on that page ends the session: the next silent login is login_required', async () => {
  const ann = await signedIn();
  const form = await confirmationPage(ann);
  const confirm = form.buttons[0];
  if (confirm) form.fields.set(confirm.name, confirm.value);
  const response = await ann.fetch(new URL(form.action || '/logout', ORCH).href, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.fields.toString(),
  });
  await response.arrayBuffer();
  assert.ok(response.status < 400, `confirming answered ${response.status}`);

  const { flow, back } = await silentLogin(ann);
  assert.equal(back.searchParams.get('error'), 'login_required', `still signed in: ${back}`);
  assert.equal(back.searchParams.get('state'), flow.state);
});
