// Sealing: what keeping the hash chain adds to an append, in PostgreSQL (the target: <= 20% on one
// connection) and in memory, each beside the same store without seal in the same run. Rounds of
// sealed and plain appends alternate, so that load from elsewhere weighs on both alike; the figure
// is the median round. Eight connections appending at once show what serialising the sealed
// commits costs (no target: sealed appends do not run in parallel, see docs/integrity.md).
// PostgreSQL: PGHOST, PGPORT, PGUSER, PGDATABASE as for psql; without a server that part is skipped
// (unless APSS_REQUIRE_POSTGRES=1). Everything it writes goes to a schema of its own, dropped at the end.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { InMemoryEventStore } from '../dist/index.js';
import { PostgresEventStore } from '../dist/postgres/index.js';
import { postgresReachable } from './_postgres.mjs';
import { usageRecorded } from './_usage.mjs';

const misses = [];
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** One line: figure, baseline, ratio figure/baseline, and whether the ratio is within its target. */
function report(name, figure, baseline, max) {
  const ratio = figure.value / baseline.value;
  const ok = max === undefined || ratio <= max;
  console.log(
    `${name}: ${figure.text}; baseline ${baseline.text}; ratio ${ratio.toFixed(2)}${max === undefined ? ' (no target)' : ` (target <= ${max}) ${ok ? 'ok' : 'MISSED'}`}`,
  );
  if (!ok) misses.push(name);
}

const usage = (partnerId, usageId) => usageRecorded(partnerId, usageId, '2020-01-01T00:00:00.000Z');

/** A writer of one event per append to its own partner's stream, expecting its version; `round(n)` times n appends in ms. */
function writer(store, partnerId) {
  let version = 0;
  return async (n) => {
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      await store.appendToStream(`partner-${partnerId}`, [usage(partnerId, `u-${version}`)], {
        expectedVersion: version,
      });
      version += 1;
    }
    return performance.now() - start;
  };
}

/** Median ms per append of each writer over alternating rounds. */
async function alternate(writers, rounds, perRound) {
  const times = writers.map(() => []);
  for (let r = 0; r < rounds; r++)
    for (const [i, write] of writers.entries()) times[i].push((await write(perRound)) / perRound);
  return times.map(median);
}

async function inMemory() {
  const [sealed, plain] = await alternate(
    [writer(new InMemoryEventStore({ seal: true }), 's'), writer(new InMemoryEventStore(), 'p')],
    7,
    5_000,
  );
  report(
    'memory append, sealed (one event per append)',
    { value: sealed, text: `${fmt(1000 / sealed)} appends/s` },
    { value: plain, text: `${fmt(1000 / plain)} appends/s without seal` },
  );
}

/** Appends per second of the writers at once, each on its own connection and stream. */
async function parallel(writers, perWriter) {
  const start = performance.now();
  await Promise.all(writers.map((write) => write(perWriter)));
  return (writers.length * perWriter * 1000) / (performance.now() - start);
}

async function postgres() {
  if (!(await postgresReachable('postgres', misses))) return;
  const schema = `apss_bench_${randomBytes(4).toString('hex')}`;
  const stores = [];
  const open = (table, seal) => {
    const store = new PostgresEventStore({ schema, table, seal, max: 1 });
    stores.push(store);
    return store;
  };
  try {
    const sealedStore = open('sealed', true);
    const plainStore = open('plain', false);
    await sealedStore.ensureSchema();
    await plainStore.ensureSchema();
    const [sealed, plain] = await alternate([writer(sealedStore, 's'), writer(plainStore, 'p')], 9, 300);
    report(
      'postgres append, sealed, one event each, 1 connection',
      { value: sealed, text: `${fmt(1000 / sealed)} appends/s (${sealed.toFixed(3)} ms)` },
      { value: plain, text: `${fmt(1000 / plain)} appends/s without seal (${plain.toFixed(3)} ms)` },
      1.2,
    );
    const eight = (table, seal) => Array.from({ length: 8 }, () => open(table, seal));
    const sealedEight = eight('sealed_8', true);
    const plainEight = eight('plain_8', false);
    await Promise.all([...sealedEight, ...plainEight].map((store) => store.ensureSchema()));
    const sealedWriters = sealedEight.map((store, i) => writer(store, `w${i}`));
    const plainWriters = plainEight.map((store, i) => writer(store, `w${i}`));
    const sealedRates = [];
    const plainRates = [];
    for (let r = 0; r < 3; r++) {
      sealedRates.push(await parallel(sealedWriters, 150));
      plainRates.push(await parallel(plainWriters, 150));
    }
    const sealedRate = median(sealedRates);
    const plainRate = median(plainRates);
    report(
      'postgres append, sealed, 8 connections at once (cost: time per append)',
      { value: 1 / sealedRate, text: `${fmt(sealedRate)} appends/s` },
      { value: 1 / plainRate, text: `${fmt(plainRate)} appends/s without seal` },
    );
  } finally {
    await Promise.all(stores.map((store) => store.close()));
    const admin = new pg.Client();
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

await inMemory();
await postgres();
if (misses.length > 0) {
  console.log(`seal: missed ${misses.join('; ')}`);
  process.exit(1);
}
