// dpop-proofs.mjs - signs DPoP proofs (RFC 9449 section 4.2) ahead of a run of dpop-bench.sh, with jose.
//
//   node dpop-proofs.mjs <htu> <count> <proofs-file> <jti-keys-file> [<jwk-file>]
//
// A proof is single use, so a load test needs one per request: this signs <count> of them, all with
// one ES256 key (a client keeps its key; the first run's key is kept in <jwk-file> when given, and
// reused when it exists), for POST <htu>, each with a fresh random jti and iat = now. Writes the
// proofs to <proofs-file> and, to <jti-keys-file>, the Redis key under which the token service keeps
// each proof's jti once it is used (ts:dpop-jti:<hex SHA-256 of "<jkt>\n<jti>">), so that the
// benchmark can delete exactly those afterwards. Prints one JSON line:
//   {"count":n,"seconds":s,"per_second":r,"jkt":"...","sample_header":{...},"sample_payload":{...}}
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';

const [htu, countText, proofsFile, keysFile, jwkFile] = process.argv.slice(2);
const count = Number(countText);
if (!htu || !proofsFile || !keysFile || !(count > 0)) {
  console.error('usage: node dpop-proofs.mjs <htu> <count> <proofs-file> <jti-keys-file> [<jwk-file>]');
  process.exit(2);
}

let privateJwk;
if (jwkFile && existsSync(jwkFile)) {
  privateJwk = JSON.parse(readFileSync(jwkFile, 'utf8'));
} else {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateJwk = await exportJWK(pair.privateKey);
  if (jwkFile) writeFileSync(jwkFile, JSON.stringify(privateJwk), { mode: 0o600 });
}
const { d, ...publicJwk } = privateJwk;
const privateKey = await importJWK(privateJwk, 'ES256');
const jkt = await calculateJwkThumbprint(publicJwk);
const header = { alg: 'ES256', typ: 'dpop+jwt', jwk: publicJwk };

const t0 = Date.now();
const proofs = new Array(count);
const keys = new Array(count);
const BATCH = 256;
for (let start = 0; start < count; start += BATCH) {
  const end = Math.min(count, start + BATCH);
  const batch = [];
  for (let i = start; i < end; i++) {
    const jti = randomBytes(16).toString('base64url');
    keys[i] = `ts:dpop-jti:${createHash('sha256').update(`${jkt}\n${jti}`).digest('hex')}`;
    batch.push(new SignJWT({ htm: 'POST', htu, jti }).setProtectedHeader(header).setIssuedAt().sign(privateKey)
      .then((jwt) => { proofs[i] = jwt; }));
  }
  await Promise.all(batch);
}
writeFileSync(proofsFile, `${proofs.join('\n')}\n`);
writeFileSync(keysFile, `${keys.join('\n')}\n`);
const seconds = (Date.now() - t0) / 1000;
const [h, p] = proofs[0].split('.');
console.log(JSON.stringify({
  count,
  seconds,
  per_second: Math.round(count / Math.max(seconds, 0.001)),
  jkt,
  sample_header: JSON.parse(Buffer.from(h, 'base64url').toString()),
  sample_payload: JSON.parse(Buffer.from(p, 'base64url').toString()),
}));
