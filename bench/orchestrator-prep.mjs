// orchestrator-prep.mjs - prepares one-time inputs for orchestrator-bench.sh, as browsers would.
//
//   node orchestrator-prep.mjs pending <orchestrator base URL> <count> <out-file> [deadline_s]
//   node orchestrator-prep.mjs codes   <orchestrator base URL> <count> <out-file> [deadline_s]
//
// pending: <count> logins are started with GET /authorize (client BENCH_CLIENT_ID, PKCE S256, its
//   own state and nonce, no cookie at all, so each one is a new browser and goes to the upstream
//   IdP). From each redirect to the upstream the upstream state, nonce and code_challenge are read,
//   and the upstream code the bench upstream (bench-upstream.mjs) will accept is built: base64url of
//   {"n": nonce, "c": challenge, "s": sub}. The orchestrator keeps the login in no datastore: it
//   sets it, sealed, in the browser's cookie orch_login_<hash of the upstream state> (Path=/callback),
//   and the callback completes only with that cookie. One line per login: the callback's path and
//   query, a space, and that cookie as the Cookie header carries it,
//     /callback?code=<upstream code>&state=<upstream state> orch_login_<id>=<sealed login>
//   Each line is meant to be used once (like a browser's callback). The orch_logins list cookie
//   (Path=/authorize) is never sent back: every login is a fresh browser, so the orchestrator's
//   bound of logins in progress per browser does not apply.
// codes: the same, and then the callback is called too, with its cookie, which ends at the client's
//   redirect URI with an authorization code. One line per login: "<code> <PKCE verifier>" (one-time
//   each, valid for the orchestrator's code lifetime, at most 60 s).
//
// Lines are written in the order the logins completed, so wrk uses the oldest first. CONCURRENCY
// (default 32) requests at a time; stops early at deadline_s seconds (default: none). Prints one
// JSON summary line {"mode","made","failed","seconds","rate","first_failure"} and exits 1 when
// nothing could be made.
//
// Environment: BENCH_CLIENT_ID, BENCH_REDIRECT_URI, BENCH_SCOPE (the client's request), CONCURRENCY.
import { writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';

const [mode, base, countText, outFile, deadlineText] = process.argv.slice(2);
const count = Number(countText);
const deadlineMs = deadlineText ? Number(deadlineText) * 1000 : Infinity;
if (!['pending', 'codes'].includes(mode) || !base || !outFile || !(count > 0)) {
  console.error('usage: node orchestrator-prep.mjs pending|codes <base URL> <count> <out-file> [deadline_s]');
  process.exit(2);
}
const clientId = process.env.BENCH_CLIENT_ID || 'bench-app';
const redirectUri = process.env.BENCH_REDIRECT_URI || 'http://127.0.0.1:18099/cb';
const scope = process.env.BENCH_SCOPE || 'openid profile email';
const concurrency = Number(process.env.CONCURRENCY || 32);

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const random = () => randomBytes(32).toString('base64url');
const s256 = (v) => createHash('sha256').update(v, 'ascii').digest('base64url');

// GET without following redirects, with an optional Cookie header; resolves {status, location, cookies, body}
// (cookies: the Set-Cookie headers, as a list)
function get(pathAndQuery, cookie) {
  return new Promise((resolve, reject) => {
    const req = http.get(base + pathAndQuery, { agent, headers: cookie ? { cookie } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode, location: res.headers.location, cookies: res.headers['set-cookie'] ?? [],
        body: Buffer.concat(chunks).toString('utf8'),
      }));
    });
    req.setTimeout(15000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function fail(what, r) {
  throw new Error(`${what}: HTTP ${r.status} ${r.location ?? ''} ${r.body.slice(0, 200)}`);
}

async function one(i) {
  const verifier = random();
  const q = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope,
    state: random().slice(0, 22), nonce: random().slice(0, 22), code_challenge: s256(verifier), code_challenge_method: 'S256',
  });
  const authorize = await get(`/authorize?${q}`);
  if (authorize.status !== 302 || !authorize.location) fail('/authorize', authorize);
  const up = new URL(authorize.location).searchParams;
  if (!up.get('state') || !up.get('nonce') || !up.get('code_challenge')) fail('/authorize did not go upstream', authorize);
  const code = Buffer.from(JSON.stringify({ n: up.get('nonce'), c: up.get('code_challenge'), s: `bench-user-${i}` })).toString('base64url');
  const callback = `/callback?${new URLSearchParams({ code, state: up.get('state') })}`;
  // the sealed login: "orch_login_<id>=<value>", the part of its Set-Cookie before the attributes
  const login = authorize.cookies.find((c) => c.startsWith('orch_login_'))?.split(';')[0];
  if (!login || login.endsWith('=')) fail('/authorize set no orch_login_ cookie', authorize);
  if (mode === 'pending') return `${callback} ${login}`;
  const back = await get(callback, login);
  if (back.status !== 302 || !back.location) fail('/callback', back);
  const result = new URL(back.location).searchParams;
  if (!result.get('code')) fail('/callback did not return a code', back);
  return `${result.get('code')} ${verifier}`;
}

const lines = [];
let next = 0;
let failed = 0;
let firstFailure = null;
const t0 = Date.now();

async function worker() {
  while (next < count && Date.now() - t0 < deadlineMs) {
    const i = next++;
    try {
      lines.push(await one(i));
    } catch (e) {
      failed++;
      firstFailure ??= String(e.message || e);
      if (failed > 100 && failed > lines.length) break; // the service is not working: stop
    }
  }
}

await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
const seconds = (Date.now() - t0) / 1000;
writeFileSync(outFile, lines.join('\n') + (lines.length ? '\n' : ''), { mode: 0o600 });
agent.destroy();
console.log(JSON.stringify({ mode, made: lines.length, failed, seconds, rate: Math.round(lines.length / seconds), first_failure: firstFailure }));
process.exit(lines.length > 0 ? 0 : 1);
