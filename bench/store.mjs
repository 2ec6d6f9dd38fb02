// Event stores: appends and full reads per second, in memory and in PostgreSQL, and the cost of
// handling one command on a partner with 10,000 events, with the state cache and without it.
// The state cache: no cliff for a big partner or many partners, and its estimate of a state's bytes
// against the heap the state takes (`node --expose-gc bench/store.mjs cache` runs only that part).
// Each figure is printed beside a baseline measured in the same run; exits 1 when one misses its target.
// PostgreSQL: PGHOST, PGPORT, PGUSER, PGDATABASE as for psql; without a server that part is skipped
// (unless APSS_REQUIRE_POSTGRES=1). Everything it writes goes to a schema of its own, dropped at the end.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  decodeEvent,
  fold,
  handleCommand,
  InMemoryEventStore,
  initialState,
  StateCache,
} from '../dist/index.js';
import { PostgresEventStore } from '../dist/postgres/index.js';
import { postgresReachable } from './_postgres.mjs';
import { usageRecorded } from './_usage.mjs';

const misses = [];
const rate = (count, ms) => Math.round((count / ms) * 1000);
const fmt = (n) => n.toLocaleString('en-US');

/** One line: figure, baseline, ratio figure/baseline, and whether the ratio is within its target. */
function report(name, figure, baseline, target) {
  const ratio = figure.value / baseline.value;
  const ok = target.max !== undefined ? ratio <= target.max : ratio >= target.min;
  const bound = target.max !== undefined ? `<= ${target.max}` : `>= ${target.min}`;
  console.log(
    `${name}: ${figure.text}; baseline ${baseline.text}; ratio ${ratio.toFixed(2)} (target ${bound}) ${ok ? 'ok' : 'MISSED'}`,
  );
  if (!ok) misses.push(name);
}

async function timed(work) {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** Reads an async iterable to its end, calling `each` per item; how many items there were. */
async function count(items, each = () => undefined) {
  const iterator = items[Symbol.asyncIterator]();
  let n = 0;
  while (!(await iterator.next()).done) {
    n += 1;
    each();
  }
  return n;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const actor = { id: 'alice', role: 'AdminAgent' };
const system = { id: 'billing', role: 'System' };
const at = '2020-01-01T00:00:00.000Z';
const usage = (partnerId, usageId) => usageRecorded(partnerId, usageId, at);
const partnerHistory = (partnerId, count) => [
  {
    type: 'SharedTenantCreated',
    data: { partnerId, tenantId: 't1' },
    metadata: { actor, at, schemaVersion: 1 },
  },
  {
    type: 'ApssSubscriptionPurchased',
    data: { partnerId, tenantId: 't1', subscriptionId: 'sub-1', subscriptionName: 'APSS' },
    metadata: { actor, at, schemaVersion: 2 },
  },
  ...Array.from({ length: count - 2 }, (_, i) => usage(partnerId, `seed-${i}`)),
];
const recordUsage = (partnerId, usageId) => ({
  type: 'RecordUsage',
  data: { ...usage(partnerId, usageId).data },
  metadata: { actor: system, at },
});

/** Milliseconds to append the events one per append, each to its partner's stream, expecting its version. */
function appendOneByOne(store, events) {
  const versions = new Map();
  return timed(async () => {
    for (const event of events) {
      const streamId = `partner-${event.data.partnerId}`;
      const version = versions.get(streamId) ?? 0;
      await store.appendToStream(streamId, [event], { expectedVersion: version });
      versions.set(streamId, version + 1);
    }
  });
}

async function seed(store, streamId, events) {
  for (let i = 0; i < events.length; i += 500)
    await store.appendToStream(streamId, events.slice(i, i + 500), { expectedVersion: i });
}

/** Milliseconds per handled command, median over `runs`, each recording one new usage. */
async function commandCost(store, partnerId, runs, options) {
  const costs = [];
  for (let i = 0; i < runs; i++) {
    const ms = await timed(async () => {
      const result = await handleCommand(
        store,
        recordUsage(partnerId, `${options.cache === false ? 'cold' : 'warm'}-${i}`),
        options,
      );
      if (result._tag !== 'Right') throw new Error(`command refused: ${JSON.stringify(result.left)}`);
    });
    costs.push(ms);
  }
  return median(costs);
}

async function inMemory() {
  const events = Array.from({ length: 20_000 }, (_, i) => usage(`p${i % 100}`, `u${i}`));
  const decodeMs = await timed(async () => {
    for (const event of events) decodeEvent(event);
  });
  const store = new InMemoryEventStore();
  const appendMs = await appendOneByOne(store, events);
  report(
    'memory append (one event per append)',
    { value: appendMs, text: `${fmt(rate(events.length, appendMs))} appends/s` },
    { value: decodeMs, text: `decodeEvent alone ${fmt(rate(events.length, decodeMs))} events/s` },
    { max: 3 },
  );

  const plainMs = await timed(async () => {
    const plain = async function* () {
      yield* events;
    };
    if ((await count(plain())) !== events.length) throw new Error('plain iteration lost events');
  });
  let read = 0;
  const readMs = await timed(async () => {
    read = await count(store.readAll());
  });
  if (read !== events.length) throw new Error(`memory readAll read ${read} of ${events.length}`);
  report(
    'memory full read (readAll)',
    { value: readMs, text: `${fmt(rate(read, readMs))} events/s` },
    { value: plainMs, text: `async iteration of an array ${fmt(rate(events.length, plainMs))} events/s` },
    { max: 3 },
  );

  const partner = 'big';
  await seed(store, `partner-${partner}`, partnerHistory(partner, 10_000));
  const cold = await commandCost(store, partner, 10, { cache: false });
  const warm = await commandCost(store, partner, 50, {});
  report(
    'memory handleCommand on a partner with 10,000 events, cached',
    { value: warm, text: `${warm.toFixed(3)} ms/command` },
    { value: cold, text: `whole stream read and folded ${cold.toFixed(3)} ms/command` },
    { max: 0.5 },
  );
}

const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
const heap = () => {
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

/** Heap held (after a full collection) while streaming the log, at its peak, and when the whole log is kept. */
async function retainedWhileReading(store, total) {
  const start = heap();
  let streaming = 0;
  let n = 0;
  await count(store.readAll(), () => {
    if (++n % 2_000 === 0) streaming = Math.max(streaming, heap() - start);
  });
  const all = [];
  for await (const stored of store.readAll()) all.push(stored);
  const collected = heap() - start;
  if (n !== total || all.length !== total) throw new Error('memory read lost events');
  return { streaming: Math.max(streaming, 1), collected };
}

const PGBENCH_SECONDS = 10;

/**
 * What the server itself allows, measured without Node: pgbench (a C client, when it is on the PATH)
 * running the bare single-row INSERT from 1 and from 8 clients. Where 8 clients reach less than 3x one,
 * no store that commits each append on its own can.
 */
function serverCeiling(schema) {
  const script = join(mkdtempSync(join(tmpdir(), 'apss-pgbench-')), 'insert.sql');
  writeFileSync(
    script,
    `\\set n random(1, 1000000000000)\n` +
      `INSERT INTO "${schema}".bare (stream_id, stream_position, type, data, metadata) ` +
      `VALUES ('pgbench-' || :client_id || '-' || :n, 1, 'UsageRecorded', '{"partnerId":"p"}', '{}');\n`,
  );
  const tps = (clients) => {
    const run = spawnSync(
      'pgbench',
      ['-n', '-f', script, '-c', `${clients}`, '-j', `${Math.min(clients, 2)}`, '-T', `${PGBENCH_SECONDS}`],
      { encoding: 'utf8' },
    );
    const match = /tps = ([\d.]+)/.exec(run.stdout ?? '');
    return match === null ? undefined : Number(match[1]);
  };
  const one = tps(1);
  const eight = one === undefined ? undefined : tps(8);
  rmSync(dirname(script), { recursive: true, force: true });
  if (one === undefined || eight === undefined) {
    console.log('postgres server ceiling: skipped (pgbench is not on the PATH, or it failed)');
    return;
  }
  console.log(
    `postgres server ceiling (pgbench, bare INSERT, ${PGBENCH_SECONDS} s each): 1 client ${fmt(Math.round(one))} tps, 8 clients ${fmt(Math.round(eight))} tps: ${(eight / one).toFixed(2)}x one`,
  );
}

async function postgres() {
  if (!(await postgresReachable('postgres', misses))) return;
  const schema = `apss_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Pool({ max: 2 });
  admin.on('error', () => undefined);
  const stores = [];
  const open = (options) => {
    const store = new PostgresEventStore({ schema, max: 1, ...options });
    stores.push(store);
    return store;
  };
  try {
    // Appends: one event each, from one connection; baseline a bare single-row INSERT of the same row.
    const writer = open({ table: 'appends' });
    await writer.ensureSchema();
    await admin.query(`CREATE TABLE "${schema}".bare (LIKE "${schema}".appends INCLUDING ALL)`);
    const bare = await admin.connect();
    const appends = 2_000;
    const events = Array.from({ length: appends }, (_, i) => usage(`p${i % 20}`, `u${i}`));
    const bareMs = await timed(async () => {
      for (const [i, event] of events.entries())
        await bare.query(
          `INSERT INTO "${schema}".bare (stream_id, stream_position, type, data, metadata) VALUES ($1, $2, $3, $4, $5)`,
          [`partner-${event.data.partnerId}`, Math.floor(i / 20) + 1, event.type, event.data, event.metadata],
        );
    });
    bare.release();
    const appendMs = await appendOneByOne(writer, events);
    report(
      'postgres append (one event per append, one connection)',
      { value: appendMs, text: `${fmt(rate(appends, appendMs))} appends/s` },
      { value: bareMs, text: `bare INSERT ${fmt(rate(appends, bareMs))} rows/s` },
      { max: 3 },
    );

    // The same appends from 8 connections, 8 streams: commits run in parallel (the server groups
    // their fsyncs). Beside it, bare single-row INSERTs from 8 connections: what the server allows.
    const connections = 8;
    const parallel = Array.from({ length: connections }, () => open({ table: 'appends' }));
    const parallelMs = await timed(() =>
      Promise.all(
        parallel.map(async (store, w) => {
          for (let i = 0; i < appends / connections; i++)
            await store.appendToStream(`parallel-${w}`, [usage(`q${w}`, `v${i}`)], { expectedVersion: i });
        }),
      ),
    );
    const barePool = new pg.Pool({ max: connections });
    barePool.on('error', () => undefined);
    const bareParallelMs = await timed(() =>
      Promise.all(
        Array.from({ length: connections }, async (_, w) => {
          const client = await barePool.connect();
          try {
            for (let i = 0; i < appends / connections; i++) {
              const event = usage(`q${w}`, `v${i}`);
              await client.query(
                `INSERT INTO "${schema}".bare (stream_id, stream_position, type, data, metadata) VALUES ($1, $2, $3, $4, $5)`,
                [`parallel-${w}`, i + 1, event.type, event.data, event.metadata],
              );
            }
          } finally {
            client.release();
          }
        }),
      ),
    );
    await barePool.end();
    report(
      `postgres append (one event per append, ${connections} connections)`,
      {
        value: parallelMs,
        text: `${fmt(rate(appends, parallelMs))} appends/s (bare INSERT from ${connections} connections ${fmt(rate(appends, bareParallelMs))} rows/s)`,
      },
      { value: appendMs, text: `one connection ${fmt(rate(appends, appendMs))} appends/s` },
      { max: 0.34 },
    );
    serverCeiling(schema);

    // Full reads of 20,000 events; baseline the same keyset-paged SELECTs with no decoding.
    const reader = open({ table: 'reads', max: 2 });
    const total = 20_000;
    await seed(
      reader,
      'bulk',
      Array.from({ length: total }, (_, i) => usage(`p${i % 50}`, `r${i}`)),
    );
    let rawRows = 0;
    const rawMs = await timed(async () => {
      let after = '0';
      for (;;) {
        const page = await admin.query(
          `SELECT global_position, stream_id, stream_position, type, data, metadata FROM "${schema}".reads
           WHERE global_position > $1 ORDER BY global_position LIMIT 1000`,
          [after],
        );
        rawRows += page.rows.length;
        if (page.rows.length < 1000) break;
        after = page.rows[page.rows.length - 1].global_position;
      }
    });
    let read = 0;
    const readMs = await timed(async () => {
      read = await count(reader.readAll());
    });
    if (read !== total || rawRows !== total)
      throw new Error(`postgres read ${read} and ${rawRows} of ${total}`);
    const retained = globalThis.gc === undefined ? undefined : await retainedWhileReading(reader, total);
    if (retained === undefined)
      console.log('postgres memory while reading: not measured (run node with --expose-gc)');
    else
      report(
        'postgres memory held while reading 20,000 events',
        { value: retained.streaming, text: `${mb(retained.streaming)} MB at most` },
        { value: retained.collected, text: `all of them in an array ${mb(retained.collected)} MB` },
        { max: 0.2 },
      );
    report(
      'postgres full read (readAll, decoded)',
      { value: readMs, text: `${fmt(rate(read, readMs))} events/s` },
      { value: rawMs, text: `paged SELECT without decoding ${fmt(rate(rawRows, rawMs))} rows/s` },
      { max: 3 },
    );

    // One command on a partner with 10,000 events.
    const service = open({ table: 'commands', max: 2 });
    await seed(service, 'partner-big', partnerHistory('big', 10_000));
    const cold = await commandCost(service, 'big', 5, { cache: false });
    const warm = await commandCost(service, 'big', 50, {});
    report(
      'postgres handleCommand on a partner with 10,000 events, cached',
      { value: warm, text: `${warm.toFixed(2)} ms/command` },
      { value: cold, text: `whole stream read and folded ${cold.toFixed(2)} ms/command` },
      { max: 0.1 },
    );
  } finally {
    await Promise.all(stores.map((store) => store.close()));
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

// ---- The state cache: bounded by bytes, no cliff (cases of their own, apart from the appends above).

/** `count` subscriptions purchased by one partner, after its shared tenant: a state heavy in records. */
const subscriptionHistory = (partnerId, count) => [
  partnerHistory(partnerId, 2)[0],
  ...Array.from({ length: count }, (_, i) => ({
    type: 'ApssSubscriptionPurchased',
    data: {
      partnerId,
      tenantId: 't1',
      subscriptionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      subscriptionName: `APSS subscription ${i}`,
    },
    metadata: { actor, at, schemaVersion: 2 },
  })),
];

/** A partner's state folded from its history, the events read and dropped as a store's reader does. */
function foldedState(history) {
  return fold(
    history().map((event) => {
      const decoded = decodeEvent(event);
      if (decoded._tag !== 'Right') throw new Error('a bench event does not decode');
      return decoded.right;
    }),
    initialState,
  );
}

/** The heap and the array buffers (where an IdSet keeps its ids) in use after a full collection. */
const heapAndBuffers = async () => {
  // Array buffers' memory is given back after the collection, by a task of its own: let it run.
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await sleep(20);
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

/** The memory a folded state holds once the events it came from are gone, beside the bytes the cache counts for it. */
async function estimateAgainstHeap(history) {
  const before = await heapAndBuffers();
  const state = foldedState(history);
  const held = (await heapAndBuffers()) - before;
  const cache = new StateCache();
  cache.set('probe', state.version, state);
  return { held, estimated: cache.stats.bytes };
}

/** Milliseconds per command on one partner with the given cache, median over `runs`, each a new usage id. */
async function cachedCost(store, partnerId, runs, cache, label) {
  const costs = [];
  for (let i = 0; i < runs; i++)
    costs.push(
      await timed(async () => {
        const result = await handleCommand(store, recordUsage(partnerId, `${label}-${i}`), { cache });
        if (result._tag !== 'Right') throw new Error(`command refused: ${JSON.stringify(result.left)}`);
      }),
    );
  return median(costs);
}

/** Milliseconds per command on 60 partners of 5,000 events handled in turn, median over the rounds after the first. */
async function roundRobinCost(store, cache) {
  const partners = Array.from({ length: 60 }, (_, i) => `rr${i}`);
  for (const partner of partners) await seed(store, `partner-${partner}`, partnerHistory(partner, 5_000));
  const costs = [];
  for (let round = 0; round < 4; round++)
    for (const partner of partners) {
      const ms = await cachedCost(store, partner, 1, cache, `round-${round}`);
      if (round > 0) costs.push(ms);
    }
  return median(costs);
}

/** One line: a command's cost against a partner with 100 events, held within 2x. */
function reportBesideSmall(name, cost, small) {
  const digits = cost < 0.1 ? 3 : 2;
  report(
    name,
    { value: cost, text: `${cost.toFixed(digits)} ms/command` },
    { value: small, text: `a partner with 100 events ${small.toFixed(digits)} ms/command` },
    { max: 2 },
  );
}

async function stateCache() {
  if (globalThis.gc === undefined)
    console.log('state cache estimate: not measured (run node with --expose-gc)');
  else
    for (const [name, history] of [
      ['400,000 usage records', () => partnerHistory('usage', 400_000)],
      ['5,000 subscriptions', () => subscriptionHistory('subs', 5_000)],
    ]) {
      const { held, estimated } = await estimateAgainstHeap(history);
      report(
        `state cache estimate of a state with ${name}`,
        { value: estimated, text: `${mb(estimated)} MB estimated` },
        { value: held, text: `heap and buffers held ${mb(held)} MB` },
        { min: 0.5 },
      );
    }

  const store = new InMemoryEventStore();
  const cache = new StateCache();
  await seed(store, 'partner-small', partnerHistory('small', 100));
  await cachedCost(store, 'small', 1, cache, 'first');
  const small = await cachedCost(store, 'small', 200, cache, 'cached');

  // A big partner's command, held within 2x a small one's; reading the whole stream, as without the
  // cache, printed beside it.
  await seed(store, 'partner-huge', partnerHistory('huge', 400_000));
  const whole = await cachedCost(store, 'huge', 3, false, 'whole');
  await cachedCost(store, 'huge', 1, cache, 'first');
  const huge = await cachedCost(store, 'huge', 200, cache, 'cached');
  reportBesideSmall(
    `memory handleCommand on a partner with 400,000 events, cached (whole stream read and folded: ${whole.toFixed(1)} ms/command)`,
    huge,
    small,
  );

  reportBesideSmall(
    'memory handleCommand on 60 partners of 5,000 events round-robin, cached',
    await roundRobinCost(store, cache),
    small,
  );
  const { bytes, maxBytes, entries, hits, misses, evictions } = cache.stats;
  console.log(
    `state cache: ${mb(bytes)} MB of ${mb(maxBytes)} MB held in ${entries} states; ${hits} hits, ${misses} misses, ${evictions} evictions`,
  );
}

/** The same in PostgreSQL: a command on a partner with 400,000 events, and on 60 partners in turn, beside one on a partner with 100. */
async function stateCachePostgres() {
  if (!(await postgresReachable('postgres state cache', misses))) return;
  const schema = `apss_bench_${randomBytes(4).toString('hex')}`;
  const store = new PostgresEventStore({ schema, table: 'cache', max: 2 });
  const cache = new StateCache();
  try {
    await store.ensureSchema();
    await seed(store, 'partner-small', partnerHistory('small', 100));
    await seed(store, 'partner-huge', partnerHistory('huge', 400_000));
    await cachedCost(store, 'small', 1, cache, 'first');
    await cachedCost(store, 'huge', 1, cache, 'first');
    const small = await cachedCost(store, 'small', 50, cache, 'cached');
    const huge = await cachedCost(store, 'huge', 50, cache, 'cached');
    reportBesideSmall('postgres handleCommand on a partner with 400,000 events, cached', huge, small);
    reportBesideSmall(
      'postgres handleCommand on 60 partners of 5,000 events round-robin, cached',
      await roundRobinCost(store, cache),
      small,
    );
  } finally {
    await store.close();
    const admin = new pg.Client();
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

if (process.argv[2] === 'cache') {
  await stateCache();
  await stateCachePostgres();
} else {
  await inMemory();
  await postgres();
  await stateCache();
  await stateCachePostgres();
}
if (misses.length > 0) {
  console.log(`store: missed ${misses.join('; ')}`);
  process.exit(1);
}
