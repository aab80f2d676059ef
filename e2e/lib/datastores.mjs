// Read-only views of the e2e datastores, for the tests that check what the services keep there:
// every Redis key and value of the run's database, every row of every table of its PostgreSQL
// database. Nothing here writes, deletes or flushes anything.
//
// Run scripts pass E2E_REDIS_URL (the run's own Redis database, e.g. redis://127.0.0.1:6379/11:
// the services' keys are the only ones there) and E2E_PG_URL (postgresql://…/tokenservices_e2e…).
import { createClient, RESP_TYPES } from 'redis';
import pg from 'pg';

export function redisUrl() {
  const url = process.env.E2E_REDIS_URL;
  if (!url) throw new Error('E2E_REDIS_URL is not set (run the tests through e2e/run.sh or e2e/run-orchestrator.sh)');
  return url;
}

export function postgresUrl() {
  const url = process.env.E2E_PG_URL;
  if (!url) throw new Error('E2E_PG_URL is not set (run the tests through e2e/run.sh or e2e/run-orchestrator.sh)');
  return url;
}

/** Runs `fn(client)` with a Redis client whose strings come back as Buffers (values may be binary). */
export async function withRedis(fn) {
  const client = createClient({ url: redisUrl() }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  client.on('error', () => {}); // a failed command rejects its promise; nothing to add here
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.quit().catch(() => {});
  }
}

/** The names of the keys matching `pattern` (Redis glob) in the run's database, as a Set. */
export async function redisKeyNames(pattern) {
  return withRedis(async (client) => {
    const names = new Set();
    for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
      for (const key of [].concat(batch)) names.add(Buffer.isBuffer(key) ? key.toString('latin1') : String(key));
    }
    return names;
  });
}

const text = (v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v));

/** Every member of a key of any type, as text (latin1 keeps every byte, so ASCII tokens stay intact). */
async function redisValueTexts(client, key, type) {
  switch (type) {
    case 'string': return [text(await client.get(key))];
    case 'hash': return Object.entries(await client.hGetAll(key)).flat().map(text);
    case 'list': return (await client.lRange(key, 0, -1)).map(text);
    case 'set': return (await client.sMembers(key)).map(text);
    case 'zset': return (await client.zRange(key, 0, -1)).map(text);
    case 'stream': return (await client.xRange(key, '-', '+')).flatMap((e) => [e.id, ...Object.entries(e.message).flat()]).map(text);
    case 'none': return []; // expired between SCAN and TYPE
    default: return [`<unreadable ${type}>`];
  }
}

/**
 * Every key of the run's Redis database with everything it holds: [{ where, text }], one entry for
 * the key name and one per value/field/member, whatever the type.
 */
export async function redisContents() {
  return withRedis(async (client) => {
    const out = [];
    for await (const batch of client.scanIterator({ COUNT: 1000 })) {
      for (const raw of [].concat(batch)) {
        const key = text(raw);
        const type = text(await client.type(key));
        out.push({ where: `Redis key name ${key}`, text: key });
        for (const value of await redisValueTexts(client, key, type)) {
          out.push({ where: `Redis ${type} ${key}`, text: value });
        }
      }
    }
    return out;
  });
}

/** Runs `fn(client)` with a PostgreSQL client on the run's database. */
export async function withPostgres(fn) {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Every row of every table of the run's database, as row_to_json text: [{ where, text }]. */
export async function postgresContents() {
  return withPostgres(async (client) => {
    const { rows: tables } = await client.query(`SELECT table_schema, table_name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
      ORDER BY 1, 2`);
    const out = [];
    for (const { table_schema: schema, table_name: table } of tables) {
      const name = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`;
      const { rows } = await client.query(`SELECT row_to_json(t)::text AS row FROM ${name} t`);
      rows.forEach(({ row }, i) => out.push({ where: `PostgreSQL ${schema}.${table} row ${i + 1}`, text: row }));
    }
    return { tables: tables.map((t) => `${t.table_schema}.${t.table_name}`), rows: out };
  });
}

/**
 * Where any of `secrets` ([{ kind, label, value }]) appears in `contents` ([{ where, text }]) in
 * any of its forms (see secrets.mjs forms()): [{ kind, label, value, form, where }].
 */
export function findSecrets(contents, secrets, formsOf) {
  const needles = secrets.flatMap((s) => formsOf(s.value).map((f) => ({ ...s, ...f })));
  const findings = [];
  for (const { where, text: haystack } of contents) {
    const lower = haystack.toLowerCase();
    for (const n of needles) {
      const hit = n.form === 'bytes as hex' ? lower.includes(n.text) : haystack.includes(n.text);
      if (hit) findings.push({ kind: n.kind, label: n.label, value: n.value, form: n.form, where });
    }
  }
  return findings;
}
