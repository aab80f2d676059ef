// authorities.mjs - scope authorities for exchange-bench.sh: one process, one HTTP server per port,
// so that the token service sees one host per API (it pools connections per host) as it would in
// production. Every POST is answered 200 {"decision":"accept"} after AUTHORITY_DELAY_MS.
//
// Environment:
//   AUTHORITY_PORTS     comma-separated loopback ports (default 18091,18092,18093)
//   AUTHORITY_DELAY_MS  delay before each answer in ms (default 20; 0 answers at once)
//   EXPECT_SUBJECT      the subject every request must carry (default bench-user)
//
// GET /stats on any port: {"delay_ms":..,"calls":{"<port>":n,...},"connections":{"<port>":n,...},
// "bad":n,"sample_bad":".."} where "connections" counts TCP connections accepted (few: the token
// service reuses them) and "bad" requests whose body was not the contract JSON for EXPECT_SUBJECT
// (still answered).
// Prints "READY <ports> delay=<ms>" on stdout once every port listens; stops on SIGTERM/SIGINT.
import http from 'node:http';

const ports = (process.env.AUTHORITY_PORTS || '18091,18092,18093').split(',').map(Number);
const delay = Number(process.env.AUTHORITY_DELAY_MS ?? 20);
const expectSubject = process.env.EXPECT_SUBJECT || 'bench-user';
const ACCEPT = JSON.stringify({ decision: 'accept' });
const calls = Object.fromEntries(ports.map((p) => [p, 0]));
const connections = Object.fromEntries(ports.map((p) => [p, 0]));
let bad = 0;
// time from a request's last byte to its answer handed to the kernel: the 20 ms plus this process's lag
let heldNs = 0n;
let held = 0;
let sampleBad = null;

function answer(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function handler(port) {
  return (req, res) => {
    if (req.method === 'GET' && req.url === '/stats') {
      return answer(res, 200, JSON.stringify({ delay_ms: delay, calls, connections,
        held_mean_ms: held ? Number(heldNs / BigInt(held)) / 1e6 : null, bad, sample_bad: sampleBad }));
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      calls[port]++;
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        const body = JSON.parse(text);
        if (body.subject !== expectSubject || !Array.isArray(body.requested_scopes) || !body.resource) throw new Error('contract');
      } catch {
        bad++;
        sampleBad ??= `${port} ${req.method} ${req.url} ${text.slice(0, 300)}`;
      }
      const received = process.hrtime.bigint();
      res.on('finish', () => {
        heldNs += process.hrtime.bigint() - received;
        held++;
      });
      if (delay > 0) setTimeout(() => answer(res, 200, ACCEPT), delay);
      else answer(res, 200, ACCEPT);
    });
  };
}

const servers = ports.map((port) => {
  const server = http.createServer(handler(port));
  server.on('connection', () => connections[port]++);
  // the token service keeps connections open for reuse; do not close them under it between runs
  server.keepAliveTimeout = 300_000;
  server.headersTimeout = 310_000;
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
});
const listening = await Promise.all(servers);
console.log(`READY ${ports.join(',')} delay=${delay}`);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    for (const s of listening) s.closeAllConnections?.();
    process.exit(0);
  });
}
