// What the orchestrator end-to-end tests share: the run's addresses and secrets, the two relying
// parties as openid-client configurations, a scripted browser (fetch with a cookie jar) that logs
// in at the e2e IdP, and a login at the orchestrator from authorization request to tokens.
//
// Every code and token these helpers see is recorded for the datastore scan (lib/secrets.mjs).
// Run by e2e/run-orchestrator.sh, which sets ORCH_ISSUER, TS_ISSUER, IDP_ISSUER, RP_BASE, secrets.
import * as client from 'openid-client';

import { parseForms } from './login.mjs';
import { recordSecret, recordTokenResponse, KIND } from './secrets.mjs';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run the tests through e2e/run-orchestrator.sh)`);
  return value;
};

export const ORCH = env('ORCH_ISSUER');
export const TS = env('TS_ISSUER');
export const IDP = env('IDP_ISSUER');
export const RP = env('RP_BASE');
export const RP_SECRET = env('E2E_RP_SECRET');
export const USERS = Object.freeze({
  ann: { login: 'ann', password: env('IDP_ANN_PASSWORD'), sub: 'ann-001' },
  bob: { login: 'bob', password: process.env.IDP_BOB_PASSWORD || 'bob-e2e-password', sub: 'bob-002' },
});
export const FULL_SCOPE = 'openid profile email invoices.read media.play';
export const INSECURE = { execute: [client.allowInsecureRequests] };

/** e2e-rp: confidential (client_secret_basic), refresh tokens, both APIs. */
export const rp = await client.discovery(new URL(ORCH), 'e2e-rp', { client_secret: RP_SECRET },
  client.ClientSecretBasic(RP_SECRET), INSECURE);
/** e2e-rp2: public, PKCE only. */
export const rp2 = await client.discovery(new URL(ORCH), 'e2e-rp2', {}, client.None(), INSECURE);

/** Records the code of a redirect to the orchestrator's /callback (the IdP's) or to a client. */
export function recordCode(url, label) {
  recordSecret(KIND.AUTHORIZATION_CODE, new URL(url).searchParams.get('code'), label);
}

/** One browser: a cookie jar shared by every localhost port, as real browsers do. */
export class Browser {
  cookies = new Map();
  trail = [];

  /** @param user the IdP account it signs in with when the IdP asks (USERS.ann by default) */
  constructor(user = USERS.ann) {
    this.user = user;
  }

  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
      if (expired || value === '') this.cookies.delete(name); else this.cookies.set(name, value);
    }
  }

  async fetch(url, init = {}) {
    if (url.startsWith(`${ORCH}/callback`)) recordCode(url, 'the IdP\'s code at the orchestrator\'s /callback');
    const headers = { ...(init.headers || {}), cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.store(response);
    this.trail.push(`${init.method || 'GET'} ${new URL(url).host}${new URL(url).pathname} → ${response.status}`);
    return response;
  }

  /**
   * Follows redirects and the IdP's forms until the browser lands on a URL starting with
   * `stopAt`; returns that URL. `decision` picks the consent button (approve | deny).
   */
  async run(startUrl, stopAt, { decision = 'approve' } = {}) {
    let request = { url: startUrl, method: 'GET' };
    for (let step = 0; step < 20; step++) {
      const init = { method: request.method };
      if (request.body) { init.body = request.body; init.headers = { 'content-type': 'application/x-www-form-urlencoded' }; }
      const response = await this.fetch(request.url, init);
      if (response.status >= 300 && response.status < 400) {
        const location = new URL(response.headers.get('location'), request.url);
        await response.arrayBuffer();
        if (location.href.startsWith(stopAt)) return location;
        request = { url: location.href, method: 'GET' };
        continue;
      }
      const html = await response.text();
      if (response.status !== 200) throw new Error(`${response.status} at ${request.url}: ${html.slice(0, 300)}`);
      const forms = parseForms(html);
      let form = forms.find((f) => f.fields.has('password'));
      if (form) {
        form.fields.set('login', this.user.login);
        form.fields.set('password', this.user.password);
      } else {
        form = forms.find((f) => f.id === (decision === 'deny' ? 'abort' : 'consent'));
        if (!form) throw new Error(`no form to submit (${this.trail.join(', ')}): ${html.slice(0, 300)}`);
        const button = form.buttons[0];
        if (button) form.fields.set(button.name, button.value);
      }
      request = { url: new URL(form.action, request.url).href, method: 'POST', body: form.fields.toString() };
    }
    throw new Error(`did not reach ${stopAt}: ${this.trail.join(', ')}`);
  }
}

/** An authorization request at the orchestrator (PKCE S256, nonce, state, the e2e IdP). */
export async function start(config, redirectUri, scope, extra = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope, nonce, state, idp_hint: 'e2e-idp',
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  });
  return { url, verifier, nonce, state };
}

/** Redeems the code of `callback` with openid-client (strict validation); records the tokens. */
export async function redeem(config, flow, callback) {
  recordCode(callback, `the orchestrator's code for ${config.clientMetadata().client_id}`);
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state, idTokenExpected: true,
  });
  recordTokenResponse(tokens, `orchestrator login of ${config.clientMetadata().client_id}`);
  return tokens;
}

/** A whole login of `browser` at the client: authorize, the IdP, the callback, the code redeemed. */
export async function login(browser, config = rp, redirectUri = `${RP}/cb`, scope = FULL_SCOPE, extra = {}) {
  const flow = await start(config, redirectUri, scope, extra);
  const callback = await browser.run(flow.url.href, redirectUri);
  const tokens = await redeem(config, flow, callback);
  return { flow, callback, tokens };
}

/** Refresh at the orchestrator with openid-client; records the new tokens. */
export async function refresh(config, refreshToken) {
  const tokens = await client.refreshTokenGrant(config, refreshToken);
  recordTokenResponse(tokens, `orchestrator refresh of ${config.clientMetadata().client_id}`);
  return tokens;
}

/** A form POST with HTTP Basic client authentication; answers { status, headers, text, json }. */
export async function postForm(url, params, { clientId, clientSecret } = {}) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (clientId) {
    // RFC 6749 §2.3.1: form-urlencode id and secret before Base64
    const basic = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  }
  const response = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, headers: response.headers, text, json };
}

/** The token service's introspection answer for `token`, asked as e2e-rp (a confidential client). */
export async function introspect(token) {
  return postForm(`${TS}/introspect`, { token }, { clientId: 'e2e-rp', clientSecret: RP_SECRET });
}

/** Polls `check` (an async function returning true when done) until it holds or `ms` passed. */
export async function eventually(check, { ms = 5000, every = 100 } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => { setTimeout(resolve, every); });
  }
}
