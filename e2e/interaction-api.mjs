// An API that asks the user for something first (ARCHITECTURE.md "What comes next"): its scope
// authority and its "subscription" page, as the API's owners would run them.
//
//   INTERACTION_API_PORT=9101 ORCH_ISSUER=http://localhost:8082 node e2e/interaction-api.mjs
//
// POST /authority   the scope-authority webhook: a user who has not subscribed gets
//                   {"decision":"interaction_required","scopes":[],"interaction":{"url":…,
//                   "reason":"subscription_required","message":…}} — the url names an offer made
//                   for that user (the page learns who it is for from it, never from the ticket);
//                   a subscribed user gets {"decision":"accept"}.
// GET  /subscribe   ?offer=…&ticket=…&return_to=… — the page: a "Subscribe (free)" button and a
//                   "No thanks" link (return_to?ticket=…&declined=true).
// POST /subscribe   remembers the subscription, then sends the browser to return_to?ticket=….
//                   return_to must be the orchestrator's /continue (ORCH_ISSUER): this page is no
//                   open redirector.
// POST /accept      another API's scope authority, which accepts every request ({"decision":"accept"}).
// GET  /calls       the webhook requests received so far ({ at, path, body }); DELETE /calls forgets them.
//
// Prints "interaction api ready: http://localhost:<port>" on stdout once it listens.
import http from 'node:http';
import { randomBytes } from 'node:crypto';

const port = Number(process.env.INTERACTION_API_PORT || 9101);
const base = `http://localhost:${port}`;
const continueUrl = `${(process.env.ORCH_ISSUER || 'http://localhost:8082').replace(/\/+$/, '')}/continue`;

const subscribed = new Set(); // "issuer subject"
const offers = new Map(); // offer id → "issuer subject"
const calls = [];

function send(res, status, body, type = 'application/json') {
  const text = body === undefined ? '' : type === 'application/json' ? JSON.stringify(body) : body;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= 64 * 1024) chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function back(returnTo, ticket, declined) {
  const url = new URL(returnTo);
  url.searchParams.set('ticket', ticket);
  if (declined) url.searchParams.set('declined', 'true');
  return url.href;
}

function authority(body) {
  const user = `${body.issuer} ${body.subject}`;
  if (subscribed.has(user)) return { decision: 'accept' };
  const offer = randomBytes(16).toString('base64url');
  offers.set(offer, user);
  return {
    decision: 'interaction_required',
    scopes: [],
    interaction: {
      url: `${base}/subscribe?offer=${offer}`,
      reason: 'subscription_required',
      message: 'Premium is needed to watch this. It is free: one click.',
    },
  };
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, base);
  if (url.pathname === '/calls') {
    if (req.method === 'GET') return send(res, 200, calls);
    if (req.method === 'DELETE') { calls.length = 0; return send(res, 204); }
    return send(res, 405, { error: 'method not allowed' });
  }
  if (url.pathname === '/authority' && req.method === 'POST') {
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, { error: 'expected the scope-decision JSON' });
    }
    calls.push({ at: new Date().toISOString(), path: url.pathname, body });
    if (!Array.isArray(body?.requested_scopes) || !body.subject) return send(res, 400, { error: 'expected requested_scopes and subject' });
    return send(res, 200, authority(body));
  }
  if (url.pathname === '/accept' && req.method === 'POST') {
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, { error: 'expected the scope-decision JSON' });
    }
    calls.push({ at: new Date().toISOString(), path: url.pathname, body });
    return send(res, 200, { decision: 'accept' });
  }
  if (url.pathname === '/subscribe' && req.method === 'GET') {
    const { offer, ticket } = Object.fromEntries(url.searchParams);
    const returnTo = url.searchParams.get('return_to');
    if (!offers.has(offer) || !ticket || returnTo !== continueUrl) {
      return send(res, 400, '<!doctype html><title>Unknown offer</title><p>This offer is unknown or the way back is not ours.</p>', 'text/html');
    }
    return send(res, 200, `<!doctype html><html><head><title>Premium</title></head><body>
<h1>Premium</h1>
<p id="message">Premium is needed to watch this. It is free: one click.</p>
<form id="subscribe" method="post" action="/subscribe">
  <input type="hidden" name="offer" value="${escape(offer)}">
  <input type="hidden" name="ticket" value="${escape(ticket)}">
  <input type="hidden" name="return_to" value="${escape(returnTo)}">
  <button type="submit">Subscribe (free)</button>
</form>
<p><a id="decline" href="${escape(back(returnTo, ticket, true))}">No thanks</a></p>
</body></html>`, 'text/html');
  }
  if (url.pathname === '/subscribe' && req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    const user = offers.get(form.get('offer'));
    if (!user || !form.get('ticket') || form.get('return_to') !== continueUrl) {
      return send(res, 400, '<!doctype html><title>Unknown offer</title><p>This offer is unknown.</p>', 'text/html');
    }
    offers.delete(form.get('offer'));
    subscribed.add(user);
    res.writeHead(303, { location: back(continueUrl, form.get('ticket'), false), 'cache-control': 'no-store' });
    return res.end();
  }
  return send(res, 404, { error: 'not found' });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`interaction api ready: ${base}`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
  server.closeAllConnections?.();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
