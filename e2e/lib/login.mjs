// Logs a user in at the e2e IdP the way a browser would, driven by code, and returns the IdP's
// id_token as validated by openid-client (signature, iss, aud, nonce, exp, PKCE, state, iss
// response parameter).
//
// The authorization request is built and the code redeemed with openid-client 6 (OpenID
// Certified relying-party library); in between, fetch follows the IdP's redirects and submits
// its login and consent HTML forms, keeping the cookies by hand (a small cookie jar).
import * as client from 'openid-client';

const MAX_STEPS = 20;

/** A minimal cookie jar: name → value, one origin, paths ignored (the IdP's cookie names are unique). */
class CookieJar {
  #cookies = new Map();

  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [k, v = ''] = a.split('=').map((s) => s.trim());
        if (/^max-age$/i.test(k)) return Number(v) <= 0;
        if (/^expires$/i.test(k)) return Date.parse(v) <= Date.now();
        return false;
      });
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function decodeEntities(s) {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attr(tag, name) {
  const m = tag.match(new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i'));
  return m ? decodeEntities(m[1] ?? m[2] ?? m[3]) : undefined;
}

/**
 * The forms of an HTML page: [{ id, action, method, fields: URLSearchParams, buttons: [{name, value}] }].
 * Good enough for the server-rendered pages of an IdP (no scripts needed to log in).
 */
export function parseForms(html) {
  const forms = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const [, formAttrs, inner] = m;
    const open = `<form ${formAttrs}>`;
    const fields = new URLSearchParams();
    const buttons = [];
    for (const input of inner.matchAll(/<input\b[^>]*>/gi)) {
      const tag = input[0];
      const name = attr(tag, 'name');
      if (!name) continue;
      const type = (attr(tag, 'type') || 'text').toLowerCase();
      if (type === 'submit') buttons.push({ name, value: attr(tag, 'value') ?? '' });
      else if (type !== 'checkbox' && type !== 'radio') fields.append(name, attr(tag, 'value') ?? '');
    }
    for (const button of inner.matchAll(/<button\b[^>]*>/gi)) {
      const name = attr(button[0], 'name');
      if (name) buttons.push({ name, value: attr(button[0], 'value') ?? '' });
    }
    forms.push({
      id: attr(open, 'id'),
      action: attr(open, 'action'),
      method: (attr(open, 'method') || 'get').toLowerCase(),
      fields,
      buttons,
    });
  }
  return forms;
}

/**
 * Discovers the IdP and returns an openid-client Configuration for a confidential client
 * (client_secret_basic, ES256 id_tokens). http:// is allowed: everything runs on localhost.
 */
export async function idpConfiguration({ issuer, clientId, clientSecret }) {
  return client.discovery(
    new URL(issuer),
    clientId,
    { client_secret: clientSecret, id_token_signed_response_alg: 'ES256' },
    client.ClientSecretBasic(clientSecret),
    { execute: [client.allowInsecureRequests] },
  );
}

/**
 * Logs `username` in at the IdP as client `clientId` and returns
 * { idToken, claims, tokens } — claims are openid-client's validated id_token claims.
 */
export async function loginAndGetIdToken({
  issuer, clientId, clientSecret, redirectUri, username, password, scope = 'openid email profile',
}) {
  const config = await idpConfiguration({ issuer, clientId, clientSecret });

  const codeVerifier = client.randomPKCECodeVerifier();
  const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
  const nonce = client.randomNonce();
  const state = client.randomState();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    nonce,
    state,
  });

  const jar = new CookieJar();
  const trail = [];   // for error messages: what the "browser" went through
  let request = { url: authorizationUrl.href, method: 'GET', body: undefined };
  let callbackUrl;
  let loginsSubmitted = 0;

  for (let step = 0; step < MAX_STEPS && !callbackUrl; step++) {
    const headers = { cookie: jar.header(), accept: 'text/html' };
    if (request.body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(request.url, {
      method: request.method, headers, body: request.body, redirect: 'manual',
    });
    jar.store(response);
    trail.push(`${request.method} ${new URL(request.url).pathname} → ${response.status}`);

    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location'), request.url);
      await response.arrayBuffer();
      if (location.href.startsWith(redirectUri)) {
        callbackUrl = location;
      } else {
        request = { url: location.href, method: 'GET', body: undefined };
      }
      continue;
    }

    const html = await response.text();
    if (response.status !== 200) {
      throw new Error(`IdP answered ${response.status} (${trail.join(', ')}): ${html.slice(0, 500)}`);
    }
    const forms = parseForms(html);
    const loginForm = forms.find((f) => f.fields.has('password'));
    const consentForm = forms.find((f) => f.id === 'consent');
    let form;
    if (loginForm) {
      if (loginsSubmitted++ > 0) {
        const message = html.match(/id="message"[^>]*>([^<]*)/)?.[1] ?? 'login form shown again';
        throw new Error(`IdP did not accept the login of ${username}: ${message}`);
      }
      form = loginForm;
      form.fields.set('login', username);
      form.fields.set('password', password);
    } else if (consentForm) {
      form = consentForm;
      const approve = form.buttons.find((b) => b.value === 'approve') ?? form.buttons[0];
      if (approve) form.fields.set(approve.name, approve.value);
    } else {
      throw new Error(`IdP page has neither a login nor a consent form (${trail.join(', ')}): ${html.slice(0, 500)}`);
    }
    const action = new URL(form.action || request.url, request.url);
    request = form.method === 'post'
      ? { url: action.href, method: 'POST', body: form.fields.toString() }
      : { url: `${action.origin}${action.pathname}?${form.fields}`, method: 'GET', body: undefined };
  }
  if (!callbackUrl) throw new Error(`login did not come back to ${redirectUri} (${trail.join(', ')})`);

  const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: codeVerifier,
    expectedNonce: nonce,
    expectedState: state,
    idTokenExpected: true,
  });
  return { idToken: tokens.id_token, claims: tokens.claims(), tokens, trail };
}
