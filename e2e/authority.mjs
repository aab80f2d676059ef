// A real scope authority (the webhook an API's owners run), per ARCHITECTURE.md:
//
//   AUTHORITY_PORT=9100 node e2e/authority.mjs
//
// POST (any path)  → records the JSON body, answers 200
//                    {"decision":"modify","scopes":[<requested minus "invoices.write">],"claims":{"plan":"gold"}}
//                    A body that is not JSON, or has no requested_scopes array, gets 400 (recorded too).
// POST …?ask=subscription → {"decision":"interaction_required","scopes":[<requested *.read>],
//                    "interaction":{"url":"https://stream.example/subscribe","reason":"subscription_required",…}}
// GET  /calls      → every request received so far: [{ at, path, headers, body, raw }]
// DELETE /calls    → forgets them (answers 204)
//
// Prints "authority ready: http://127.0.0.1:<port>" on stdout once it listens.
import http from 'node:http';

const port = Number(process.env.AUTHORITY_PORT || 9100);
const DENIED_SCOPE = 'invoices.write';

const calls = [];

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
