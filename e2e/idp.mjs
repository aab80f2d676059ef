// A real third-party OpenID Connect provider for the end-to-end tests: panva's oidc-provider
// (OpenID Certified), configured like a small corporate IdP.
//
//   IDP_PORT=9000 IDP_APP_SECRET=... IDP_OTHER_SECRET=... node e2e/idp.mjs
//
// - issuer http://localhost:<IDP_PORT>, listening on 127.0.0.1:<IDP_PORT>
// - id_tokens signed with ES256 (a key generated at start-up; published at /jwks)
// - clients (all confidential, client_secret_basic, authorization code + PKCE S256):
//     ts-e2e-app  secret IDP_APP_SECRET    — the app whose id_tokens the token service trusts
//     other-app   secret IDP_OTHER_SECRET  — an app the token service does NOT trust
//   redirect_uri http://localhost:<IDP_PORT>/cb (never fetched: the test reads the redirect)
//     device-portal secret DEVICE_PORTAL_SECRET — the device portal, logging users in with a real
//   browser (standing in for the orchestrator); redirect_uri <PORTAL_URL>/callback. Only
//   registered when PORTAL_URL is set.
// - two accounts: login "ann" / password IDP_ANN_PASSWORD → sub "ann-001", ann@example.com, "Ann Example";
//   login "bob" / password IDP_BOB_PASSWORD → sub "bob-002", bob@example.com, "Bob Other" (the
//   attacker of e2e/login-csrf.test.mjs)
// - its own login and consent pages (plain HTML forms) under /interaction/:uid
//
// - IDP_HOSTED_DOMAINS="ann-001=example.com,bob-002=other.example" (optional): each account's Google
//   Workspace domain, as the `hd` claim of its id_tokens (e2e/upstream-quirks.test.mjs)
// - a client may ask for response_mode=form_post (oidc-provider answers with its self-posting page)
//
// Prints "IdP ready: <issuer>" on stdout once it listens. Stops on SIGTERM/SIGINT.
import http from 'node:http';
import { randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';
import { generateKeyPair, exportJWK } from 'jose';

const port = Number(process.env.IDP_PORT || 9000);
const issuer = process.env.IDP_ISSUER || `http://localhost:${port}`;
const redirectUri = process.env.IDP_REDIRECT_URI || `http://localhost:${port}/cb`;

function secretFromEnv(name) {
  const value = process.env[name];
  if (value) {
    if (value.length < 32) throw new Error(`${name} must be at least 32 characters`);
    return value;
  }
  const generated = randomBytes(24).toString('hex');
  console.log(`${name} not set; using a generated one: ${generated}`);
  return generated;
}

const appSecret = secretFromEnv('IDP_APP_SECRET');
const otherSecret = secretFromEnv('IDP_OTHER_SECRET');
const portalUrl = process.env.PORTAL_URL;
const portalSecret = portalUrl ? secretFromEnv('DEVICE_PORTAL_SECRET') : undefined;
const annPassword = process.env.IDP_ANN_PASSWORD || 'ann-e2e-password';
const bobPassword = process.env.IDP_BOB_PASSWORD || 'bob-e2e-password';

// ---- the account store ---------------------------------------------------------------------
const ACCOUNTS = new Map([
  ['ann-001', {
    login: 'ann',
    password: annPassword,
    claims: {
      sub: 'ann-001',
      email: 'ann@example.com',
      email_verified: true,
      name: 'Ann Example',
      given_name: 'Ann',
      family_name: 'Example',
    },
  }],
  ['bob-002', {
    login: 'bob',
    password: bobPassword,
    claims: {
      sub: 'bob-002',
      email: 'bob@example.com',
      email_verified: true,
      name: 'Bob Other',
      given_name: 'Bob',
      family_name: 'Other',
    },
  }],
]);

const HOSTED_DOMAINS = new Map((process.env.IDP_HOSTED_DOMAINS || '').split(',').filter(Boolean)
  .map((pair) => pair.split('=')));
for (const [id, hd] of HOSTED_DOMAINS) ACCOUNTS.get(id).claims.hd = hd;

function accountByLogin(login, password) {
  for (const [id, account] of ACCOUNTS) {
    if (account.login === login && account.password === password) return id;
  }
  return undefined;
}

// ---- the signing key: ES256, generated for this run ----------------------------------------
const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const signingJwk = {
  ...(await exportJWK(privateKey)),
  kid: `e2e-es256-${randomBytes(4).toString('hex')}`,
  alg: 'ES256',
  use: 'sig',
};

// ---- the provider --------------------------------------------------------------------------
const clientDefaults = {
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'ES256',
};

const provider = new Provider(issuer, {
  clients: [
    { ...clientDefaults, client_id: 'ts-e2e-app', client_secret: appSecret, redirect_uris: [redirectUri] },
    { ...clientDefaults, client_id: 'other-app', client_secret: otherSecret, redirect_uris: [redirectUri] },
    ...(portalUrl
      ? [{ ...clientDefaults, client_id: 'device-portal', client_secret: portalSecret,
        redirect_uris: [`${portalUrl.replace(/\/+$/, '')}/callback`] }]
      : []),
    // the orchestrator as a relying party (e2e/orchestrator.test.mjs); only when ORCH_CALLBACK_URI is set
    ...(process.env.ORCH_CALLBACK_URI
      ? [{ ...clientDefaults, client_id: 'orch-upstream', client_secret: secretFromEnv('IDP_ORCH_SECRET'),
        redirect_uris: [process.env.ORCH_CALLBACK_URI] }]
      : []),
  ],
  clientDefaults,
  responseTypes: ['code'],
  jwks: { keys: [signingJwk] },
  enabledJWA: {
    idTokenSigningAlgValues: ['ES256'],
  },
  async findAccount(ctx, id) {
    const account = ACCOUNTS.get(id);
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { ...account.claims };
      },
    };
  },
  claims: {
    openid: HOSTED_DOMAINS.size ? ['sub', 'hd'] : ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  scopes: ['openid', 'email', 'profile'],
  // Put the scope's claims into the id_token itself (as Google, Okta and Azure AD do for
  // the code flow), so that the token service and the scope authority see email and name.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
  },
  interactions: {
    url(ctx, interaction) {
      return `/interaction/${interaction.uid}`;
    },
  },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  ttl: {
    IdToken: 3600,
    AccessToken: 600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error', `<pre id="error">${escape(JSON.stringify(out, null, 2))}</pre>`);
  },
});

// ---- login and consent pages ---------------------------------------------------------------
function escape(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)} — E2E IdP</title></head>
<body><h1>${escape(title)}</h1>
${body}
</body></html>`;
}

// Per-interaction CSRF token, kept beside the interaction (in memory: one process).
const csrfTokens = new Map();
function csrfFor(uid) {
  if (!csrfTokens.has(uid)) csrfTokens.set(uid, randomBytes(16).toString('hex'));
  return csrfTokens.get(uid);
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (c) => {
      size += c.length;
      if (size > 16 * 1024) { reject(new Error('form too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function sendHtml(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(html);
}

function loginForm(uid, clientId, message) {
  return page('Sign in', `
<p>Signing in to <strong>${escape(clientId)}</strong>.</p>
${message ? `<p id="message" role="alert">${escape(message)}</p>` : ''}
<form id="login" method="post" action="/interaction/${escape(uid)}/login" autocomplete="off">
  <input type="hidden" name="csrf" value="${escape(csrfFor(uid))}">
  <label>Username <input type="text" name="login" required autofocus></label>
  <label>Password <input type="password" name="password" required></label>
  <button type="submit">Sign in</button>
</form>`);
}

function consentForm(uid, clientId, scopes) {
  return page('Authorize', `
<p><strong>${escape(clientId)}</strong> asks for: ${scopes.map((s) => `<code>${escape(s)}</code>`).join(', ')}</p>
<form id="consent" method="post" action="/interaction/${escape(uid)}/confirm">
  <input type="hidden" name="csrf" value="${escape(csrfFor(uid))}">
  <button type="submit" name="decision" value="approve">Allow</button>
</form>
<form id="abort" method="post" action="/interaction/${escape(uid)}/abort">
  <input type="hidden" name="csrf" value="${escape(csrfFor(uid))}">
  <button type="submit" name="decision" value="deny">Deny</button>
</form>`);
}

async function handleInteraction(req, res, url) {
  const m = url.pathname.match(/^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/);
  if (!m) return sendHtml(res, 404, page('Not found', ''));
  const [, uid, action] = m;

  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    return sendHtml(res, 400, page('Error', `<p id="error">${escape(err.message)}</p>`));
  }
  if (details.uid !== uid) return sendHtml(res, 400, page('Error', '<p id="error">interaction mismatch</p>'));
  const { prompt, params, session } = details;

  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') return sendHtml(res, 200, loginForm(uid, params.client_id));
    if (prompt.name === 'consent') {
      const scopes = String(params.scope || '').split(' ').filter(Boolean);
      return sendHtml(res, 200, consentForm(uid, params.client_id, scopes));
    }
    return sendHtml(res, 501, page('Error', `<p id="error">unsupported prompt ${escape(prompt.name)}</p>`));
  }
  if (req.method !== 'POST' || !action) return sendHtml(res, 405, page('Error', ''));

  const form = await readForm(req);
  if (form.get('csrf') !== csrfFor(uid)) return sendHtml(res, 403, page('Error', '<p id="error">bad CSRF token</p>'));

  if (action === 'abort') {
    csrfTokens.delete(uid);
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  }

  if (action === 'login') {
    if (prompt.name !== 'login') return sendHtml(res, 400, page('Error', '<p id="error">not a login prompt</p>'));
    const accountId = accountByLogin(form.get('login'), form.get('password'));
    if (!accountId) return sendHtml(res, 200, loginForm(uid, params.client_id, 'Invalid username or password.'));
    return provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
  }

  // action === 'confirm'
  if (prompt.name !== 'consent') return sendHtml(res, 400, page('Error', '<p id="error">not a consent prompt</p>'));
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  if (missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  const grantId = await grant.save();
  csrfTokens.delete(uid);
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const providerCallback = provider.callback();

const server = http.createServer((req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname.startsWith('/interaction/')) {
    handleInteraction(req, res, url).catch((err) => {
      console.error('interaction failed:', err);
      if (!res.headersSent) sendHtml(res, 500, page('Error', '<p id="error">internal error</p>'));
      else res.end();
    });
    return;
  }
  if (url.pathname === '/cb') {
    // The registered redirect URI. Nobody needs to follow it (the test reads the Location
    // header); answer something harmless if a person's browser does.
    return sendHtml(res, 200, page('Signed in', '<p>The client takes it from here.</p>'));
  }
  providerCallback(req, res);
});

provider.on('server_error', (ctx, err) => console.error('server_error:', err));

server.listen(port, '127.0.0.1', () => {
  console.log(`IdP ready: ${issuer}`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
  server.closeAllConnections?.();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
