// The PostgreSQL projection runner: keeping the three views in tables, against reading the same
// events from the store (decoded), measured in the same run. A catch-up from zero writes every
// reconciliation line, each changed invoice sum and partner, and the checkpoint, batch by batch in
// one transaction each: the target is within CATCH_UP_TARGET of the read. A restarted runner reads its
// progress back from the tables: with nothing new to apply, within RESTART_TARGET of the read.
// PostgreSQL: PGHOST, PGPORT, PGUSER, PGDATABASE as for psql; without a server it is skipped (unless
// APSS_REQUIRE_POSTGRES=1). Everything it writes goes to a schema of its own, dropped at the end.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PostgresEventStore, PostgresProjectionRunner } from '../dist/postgres/index.js';

const USAGE = Number(process.env.BENCH_EVENTS ?? 100_000);
const PARTNERS = 50;
const CATCH_UP_TARGET = 5;
const RESTART_TARGET = 2;

const admin = new pg.Pool({ max: 4 });
admin.on('error', () => undefined);
try {
  await admin.query('SELECT 1');
} catch (error) {
  await admin.end();
  const reason = error instanceof Error ? error.message : String(error);
  if (process.env.APSS_REQUIRE_POSTGRES === '1') {
    console.error(`runner: PostgreSQL is required but unreachable (${reason})`);
    process.exit(1);
  }
  console.log(`runner: skipped, no server (${reason}); set PGHOST/PGPORT/PGUSER/PGDATABASE`);
  process.exit(0);
}

const schema = `apss_bench_${randomBytes(4).toString('hex')}`;
const store = new PostgresEventStore({ pool: admin, schema });
const meta = (role, at) => ({ actor: { id: 'bench', role }, at, schemaVersion: 1 });
const at = (i) => new Date(Date.parse('2023-01-01T00:00:00Z') + i * 1000).toISOString();
const misses = [];
const fmt = (n) => Math.round(n).toLocaleString('en-US');

function report(name, figure, baseline, target) {
  const ratio = figure / baseline;
  const ok = ratio <= target;
  if (!ok) misses.push(name);
  console.log(
    `${name}: ${(figure / 1000).toFixed(2)} s; baseline ${(baseline / 1000).toFixed(2)} s (readAll of the same events); ` +
      `ratio ${ratio.toFixed(2)}x (target <= ${target}x) ${ok ? 'ok' : 'MISSED'}`,
  );
}

async function timed(work) {
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
}

try {
  for (let p = 0; p < PARTNERS; p++) {
    const partnerId = `p${p}`;
    await store.appendToStream(
      partnerId,
      [
        {
          type: 'SharedTenantCreated',
          data: { partnerId, tenantId: `t${p}` },
          metadata: meta('AdminAgent', at(p)),
        },
      ],
      { expectedVersion: 'any' },
    );
  }
  const perPartner = USAGE / PARTNERS;
  for (let p = 0; p < PARTNERS; p++)
    for (let from = 0; from < perPartner; from += 1_000) {
      const events = [];
      for (let i = from; i < Math.min(from + 1_000, perPartner); i++)
        events.push({
          type: 'UsageRecorded',
          data: {
            partnerId: `p${p}`,
            subscriptionId: `s${p}`,
            usageId: `u${i}`,
            usageDate: `2023-${String(1 + (i % 12)).padStart(2, '0')}-01`,
            meterCategory: 'Virtual Machines',
            meterName: 'D2s v5',
            quantity: (i % 997) / 100,
            unitPrice: 0.0416,
            currency: i % 3 === 0 ? 'USD' : 'EUR',
          },
          metadata: meta('System', at(PARTNERS + i)),
        });
      await store.appendToStream(`p${p}`, events, { expectedVersion: 'any' });
    }
  const total = PARTNERS + USAGE;
  console.log(`events: ${fmt(total)} (${fmt(USAGE)} usage records of ${PARTNERS} partners)`);

  const read = await timed(async () => {
    let n = 0;
    for await (const stored of store.readAll()) if (stored.event !== undefined) n += 1;
    return n;
  });
  if (read.result !== total) throw new Error(`read ${read.result} events, appended ${total}`);
  const runner = () => new PostgresProjectionRunner({ store, pool: admin, schema, prefix: 'bench' });
  const catchUp = await timed(() => runner().catchUp());
  if (catchUp.result.events !== total) throw new Error(`the runner applied ${catchUp.result.events} events`);
  console.log(`catch-up: ${fmt(total / (catchUp.ms / 1000))} events/s into the three views' tables`);
  report('catch-up from zero', catchUp.ms, read.ms, CATCH_UP_TARGET);
  const restart = await timed(() => runner().catchUp());
  if (restart.result.events !== 0)
    throw new Error(`the restarted runner applied ${restart.result.events} events`);
  report('restart (progress read back, nothing new)', restart.ms, read.ms, RESTART_TARGET);
} finally {
  await store.close();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
process.exit(misses.length > 0 ? 1 : 0);
