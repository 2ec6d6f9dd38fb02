// Snapshots: a cold command (a fresh PostgresEventStore, nothing cached) on a partner with 1,000,000
// usage events, read from its snapshot and the events after it, against reading its whole stream.
// Target: <= 0.1x. The events are written by one INSERT ... SELECT generate_series (1M appends would
// take many minutes), as the store writes them; the snapshot is taken by takeSnapshot.
//   npm run bench -- snapshots                              1,000,000 events
//   APSS_BENCH_EVENTS=100000 npm run bench -- snapshots     another size
// PostgreSQL: PGHOST, PGPORT, PGUSER, PGDATABASE as for psql; without a server it is skipped (unless
// APSS_REQUIRE_POSTGRES=1). Everything it writes goes to a schema of its own, dropped at the end.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { handleCommand } from '../dist/index.js';
import { PostgresEventStore } from '../dist/postgres/index.js';
import { usageRecorded } from './_usage.mjs';

const EVENTS = Number(process.env.APSS_BENCH_EVENTS ?? 1_000_000);
const TAIL = 100;
const RUNS = 3;
const TARGET = 0.1;
const partnerId = 'big';
const streamId = `partner-${partnerId}`;
const schema = `apss_bench_snapshots_${randomBytes(4).toString('hex')}`;
const fmt = (n) => n.toLocaleString('en-US');
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function timed(work) {
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
}

const admin = new pg.Pool({ max: 2 });
admin.on('error', () => undefined);
try {
  await admin.query('SELECT 1');
} catch (error) {
  console.log(
    `snapshots: skipped, no PostgreSQL server (${error.message}); set PGHOST/PGPORT/PGUSER/PGDATABASE`,
  );
  await admin.end();
  process.exit(process.env.APSS_REQUIRE_POSTGRES === '1' ? 1 : 0);
}

const actor = { id: 'alice', role: 'AdminAgent' };
const system = { id: 'billing', role: 'System' };
const at = '2020-01-01T00:00:00.000Z';
const onboarding = [
  { type: 'SharedTenantCreated', data: { partnerId, tenantId: 't1' }, metadata: { actor, at } },
  {
    type: 'ApssSubscriptionPurchased',
    data: { partnerId, tenantId: 't1', subscriptionId: 'sub-1', subscriptionName: 'APSS' },
    metadata: { actor, at, schemaVersion: 2 },
  },
];
const usage = (usageId) => usageRecorded(partnerId, usageId, at);

const stores = [];
const open = () => {
  const store = new PostgresEventStore({ schema, max: 2 });
  stores.push(store);
  return store;
};

let failed = false;
try {
  const writer = open();
  await writer.appendToStream(streamId, onboarding, { expectedVersion: 'no_stream' });
  const table = writer.table;
  const bulk = await timed(() =>
    admin.query(
      `INSERT INTO ${table} (stream_id, stream_position, type, data, metadata)
       SELECT $1, 2 + g, 'UsageRecorded', jsonb_set($2::jsonb, '{usageId}', to_jsonb('u-' || g)), $3::jsonb
       FROM generate_series(1, $4::integer) AS g`,
      [streamId, JSON.stringify(usage('').data), JSON.stringify(usage('').metadata), EVENTS - 2],
    ),
  );
  await admin.query(`ANALYZE ${table}`);
  console.log(
    `wrote ${fmt(EVENTS)} events of one partner in ${seconds(bulk.ms)} (INSERT ... SELECT generate_series)`,
  );

  const read = await timed(async () => {
    let n = 0;
    for await (const stored of open().readStream(streamId)) n = stored.streamPosition;
    return n;
  });
  if (read.result !== EVENTS) throw new Error(`read ${read.result} events, expected ${EVENTS}`);
  console.log(`reading the whole stream (readStream, decoded): ${seconds(read.ms)}`);

  const taken = await timed(() => open().takeSnapshot(streamId));
  const size = await admin.query(
    `SELECT octet_length(snapshot::text) AS bytes FROM "${schema}"."events_snapshots"`,
  );
  console.log(
    `takeSnapshot at version ${fmt(taken.result)}: ${seconds(taken.ms)} (reads the stream once), ${fmt(Number(size.rows[0].bytes))} bytes of JSON`,
  );
  const tail = Array.from({ length: TAIL }, (_, i) => usage(`tail-${i}`));
  await writer.appendToStream(streamId, tail, { expectedVersion: EVENTS });

  const costs = [];
  for (let i = 0; i < RUNS; i++) {
    const cold = open();
    const { ms, result } = await timed(() =>
      handleCommand(cold, {
        type: 'RecordUsage',
        data: usage(`cold-${i}`).data,
        metadata: { actor: system, at: '2020-01-02T00:00:00Z' },
      }),
    );
    if (result._tag !== 'Right') throw new Error(`command refused: ${JSON.stringify(result.left)}`);
    costs.push(ms);
  }
  const cold = [...costs].sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  const ratio = cold / read.ms;
  const ok = ratio <= TARGET;
  console.log(
    `cold command on a partner with ${fmt(EVENTS)} events (snapshot + ${TAIL}+ events after it): ${cold.toFixed(0)} ms (median of ${RUNS}: ${costs.map((ms) => ms.toFixed(0)).join(', ')}); baseline reading its stream ${read.ms.toFixed(0)} ms; ratio ${ratio.toFixed(3)} (target <= ${TARGET}) ${ok ? 'ok' : 'MISSED'}`,
  );
  failed = !ok;
} finally {
  await Promise.all(stores.map((store) => store.close()));
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
process.exit(failed ? 1 : 0);
