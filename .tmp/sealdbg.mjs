import { PostgresEventStore } from '/work/wt/seal/dist/postgres/index.js';
import pg from 'pg';
const admin = new pg.Pool();
await admin.query('DROP SCHEMA IF EXISTS seal_dbg CASCADE');
const writers = Array.from(
  { length: 8 },
  () => new PostgresEventStore({ schema: 'seal_dbg', table: 'p', seal: true, max: 1 }),
);
await Promise.all(writers.map((w) => w.ensureSchema()));
import fs from 'node:fs';
const first = JSON.parse(fs.readFileSync('examples/apss-log.ndjson', 'utf8').split('\n')[0]);
const ev = (p, i) => ({ ...first, data: { ...first.data, partnerId: p, tenantId: 't' + i } });
await Promise.all(
  writers.map(async (w, k) => {
    for (let i = 0; i < 12; i++) await w.appendToStream('s' + k, [ev('p' + k, i)], { expectedVersion: i });
  }),
);
const r = await admin.query(
  'SELECT global_position, stream_id, transaction_id, left(prev,8) prev, left(hash,8) hash FROM seal_dbg.p ORDER BY global_position LIMIT 20',
);
console.table(r.rows);
await Promise.all(writers.map((w) => w.close()));
await admin.end();
