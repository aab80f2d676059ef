// A real scope authority (the webhook an API's owners run), per ARCHITECTURE.md:
//
//   AUTHORITY_PORT=9100 node e2e/authority.mjs
//
// POST (any path)  → records the JSON body, answers 200
//                    {"decision":"modify","scopes":[<requested minus "invoices.write">],"claims":{"plan":"gold"}}
//                    A body that is not JSON, or has no requested_scopes array, gets 400 (recorded too).
// POST …?ask=subscription → {"decision":"interaction_required","scopes":[<requested *.read>],
//                    "interaction":{"url":"https://stream.example/subscribe","reason":"subscription_required",…}}
// POST …?ask=subscription-page → until the user (issuer + subject) has subscribed on the page below:
//                    {"decision":"interaction_required","scopes":[<requested but premium.play>],
//                    "interaction":{"url":"<this server>/subscribe?offer=<id>","reason":"subscription_required",…}};
//                    after: {"decision":"accept"}
// GET  /subscribe?offer&ticket&return_to → the API's page: a "Subscribe" button (POST /subscribe) and
//                    a "No thanks" link to return_to?ticket=…&declined=true. return_to must be the
//                    portal's /device/consent (PORTAL_URL) or the orchestrator's /continue (ORCH_ISSUER).
// POST /subscribe  → records the subscription, 303 to return_to?ticket=…
// GET  /calls      → every request received so far: [{ at, path, headers, body, raw }]
// DELETE /calls    → forgets them (answers 204)
//
// Prints "authority ready: http://127.0.0.1:<port>" on stdout once it listens.
import http from 'node:http';
import { randomBytes } from 'node:crypto';

const port = Number(process.env.AUTHORITY_PORT || 9100);
const DENIED_SCOPE = 'invoices.write';

const calls = [];

// ---- an API's own page, for ?ask=subscription-page -----------------------------------------
const PAID_SCOPE = 'premium.play';
const subscribed = new Set(); // issuer + '\n' + subject
const offers = new Map(); // offer id → user key
const offerOfUser = new Map(); // user key → offer id
const PORTAL = process.env.PORTAL_URL ? new URL(process.env.PORTAL_URL) : undefined;
const ORCH = process.env.ORCH_ISSUER ? new URL(process.env.ORCH_ISSUER) : undefined;

function offerFor(user) {
  if (!offerOfUser.has(user)) {
    const id = randomBytes(32).toString('base64url');
    offerOfUser.set(user, id);
    offers.set(id, user);
  }
  return offerOfUser.get(user);
}

/** The portal's consent page, or the orchestrator's /continue: nothing else is sent back to. */
function allowedReturn(value) {
  let url;
  try { url = new URL(value); } catch { return false; }
  if (url.hash || url.username || url.password || url.search) return false;
  if (PORTAL && url.origin === PORTAL.origin && url.pathname === '/device/consent') return true;
  return Boolean(ORCH && url.origin === ORCH.origin && url.pathname === '/continue');
}

const escapeHtml = (v) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, status, title, body) {
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`
    + `<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    // the subscribe form's answer redirects to return_to: form-action must allow where it may lead
    'content-security-policy': `default-src 'none'; form-action 'self' ${[PORTAL, ORCH].filter(Boolean).map((u) => u.origin).join(' ')}; frame-ancestors 'none'`,
  });
  res.end(html);
}

function back(returnTo, ticket, declined) {
  return `${returnTo}${returnTo.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket)}${declined ? '&declined=true' : ''}`;
}

function subscribePage(req, res, params) {
  const user = offers.get(params.get('offer') ?? '');
  const ticket = params.get('ticket') ?? '';
  const returnTo = params.get('return_to') ?? '';
  if (!user || !/^[A-Za-z0-9._~-]{1,512}$/.test(ticket) || !allowedReturn(returnTo)) {
    return page(res, 400, 'This link does not work', '<p>This subscription link is not valid.</p>');
  }
  if (req.method === 'POST') {
    subscribed.add(user);
    res.writeHead(303, { location: back(returnTo, ticket, false), 'cache-control': 'no-store' });
    return res.end();
  }
  const hidden = (name, value) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  return page(res, 200, 'Subscribe to Premium', '<p>Premium plays premium shows. Free in this test.</p>'
    + `<form id="subscribe" method="post" action="/subscribe">${hidden('offer', params.get('offer'))}${hidden('ticket', ticket)}`
    + `${hidden('return_to', returnTo)}<button type="submit">Subscribe</button></form>`
    + `<p><a id="decline" href="${escapeHtml(back(returnTo, ticket, true))}">No thanks</a></p>`);
}

function send(res, status, body) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/calls') {
    if (req.method === 'GET') return send(res, 200, calls);
    if (req.method === 'DELETE') { calls.length = 0; return send(res, 204); }
    return send(res, 405, { error: 'method not allowed' });
  }
  if (url.pathname === '/subscribe') {
    if (req.method === 'GET') return subscribePage(req, res, url.searchParams);
    if (req.method !== 'POST') return send(res, 405, { error: 'GET or POST' });
    const form = [];
    req.on('data', (c) => { if (form.reduce((n, b) => n + b.length, 0) < 16 * 1024) form.push(c); });
    req.on('end', () => subscribePage(req, res, new URLSearchParams(Buffer.concat(form).toString('utf8'))));
    return undefined;
  }
  if (req.method !== 'POST') return send(res, 405, { error: 'POST a scope-decision request' });

  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size <= 256 * 1024) chunks.push(c);
  });
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    calls.push({
      at: new Date().toISOString(),
      path: url.pathname,
      headers: { 'content-type': req.headers['content-type'] ?? null },
      body: body ?? null,
      raw: body === undefined ? raw : undefined,
    });
    if (!body || !Array.isArray(body.requested_scopes)) {
      return send(res, 400, { error: 'expected the scope-decision JSON with requested_scopes' });
    }
    if (url.searchParams.get('ask') === 'subscription') {
      // an API that first needs a subscription: its *.read scopes now, the rest after the interaction
      return send(res, 200, {
        decision: 'interaction_required',
        scopes: body.requested_scopes.filter((s) => s.endsWith('.read')),
        interaction: {
          url: 'https://stream.example/subscribe',
          reason: 'subscription_required',
          message: 'Stream Plus is needed to play videos.',
        },
      });
    }
    if (url.searchParams.get('ask') === 'subscription-page') {
      // an API with a page of its own: the paid scope waits until this user has subscribed there
      const user = `${body.issuer}\n${body.subject}`;
      if (subscribed.has(user)) return send(res, 200, { decision: 'accept' });
      return send(res, 200, {
        decision: 'interaction_required',
        scopes: body.requested_scopes.filter((s) => s !== PAID_SCOPE),
        interaction: {
          url: `http://127.0.0.1:${port}/subscribe?offer=${offerFor(user)}`,
          reason: 'subscription_required',
          message: 'Premium is needed to play premium shows.',
        },
      });
    }
    send(res, 200, {
      decision: 'modify',
      scopes: body.requested_scopes.filter((s) => s !== DENIED_SCOPE),
      claims: { plan: 'gold' },
    });
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`authority ready: http://127.0.0.1:${port}`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
  server.closeAllConnections?.();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
