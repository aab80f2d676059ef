// device-codes.mjs - creates device codes for device-poll-bench.sh (RFC 8628 section 3.1).
//
//   node device-codes.mjs <token-service base URL> <client_id> <scope> <count> <out-file>
//
// POSTs /device_authorization (public client: client_id in the body) <count> times, 16 at a time,
// and writes the device codes to <out-file>, one per line. Prints one JSON summary line:
//   {"created":n,"failed":n,"seconds":s,"interval":i,"expires_in":e,"sample":{...device_code hidden},
//    "first_failure":"<status> <body>"}
// and exits 1 when any request failed.
import { writeFileSync } from 'node:fs';

const [base, clientId, scope, countText, outFile] = process.argv.slice(2);
const count = Number(countText);
if (!base || !clientId || !outFile || !(count > 0)) {
  console.error('usage: node device-codes.mjs <base URL> <client_id> <scope> <count> <out-file>');
  process.exit(2);
}

const codes = [];
let failed = 0;
let firstFailure = null;
let sample = null;
let next = 0;
const t0 = Date.now();

async function worker() {
  while (next < count) {
    next++;
    const body = new URLSearchParams({ client_id: clientId, ...(scope ? { scope } : {}) });
    try {
      const res = await fetch(`${base}/device_authorization`, { method: 'POST', body });
      const text = await res.text();
      const json = res.status === 200 ? JSON.parse(text) : null;
      if (json?.device_code) {
        codes.push(json.device_code);
        sample ??= { ...json, device_code: `<${json.device_code.length} characters>` };
      } else {
        failed++;
        firstFailure ??= `${res.status} ${text.slice(0, 300)}`;
      }
    } catch (e) {
      failed++;
      firstFailure ??= String(e);
    }
  }
}

await Promise.all(Array.from({ length: Math.min(16, count) }, worker));
writeFileSync(outFile, codes.join('\n') + '\n', { mode: 0o600 });
console.log(JSON.stringify({
  created: codes.length, failed, seconds: (Date.now() - t0) / 1000,
  interval: sample?.interval, expires_in: sample?.expires_in, sample, first_failure: firstFailure,
}));
process.exit(failed > 0 ? 1 : 0);
