import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEvent, type AuditReport } from 'apss-domain';
import { PostgresEventStore } from 'apss-domain/postgres';
import { postgresRequired, unreachableReason } from '../postgres/support.js';
import { apss } from './run.js';

// `apss audit --postgres` against a real server, in a database of its own made for the test and dropped
// after it. It connects as pg does by default (PGHOST, PGPORT, PGUSER, PGPASSWORD); without a server
// it is skipped, unless APSS_REQUIRE_POSTGRES=1 (CI), where that is a failure.

const settings = {
  host: process.env.PGHOST ?? 'localhost',
  port: process.env.PGPORT ?? '5432',
  user: process.env.PGUSER ?? userInfo().username,
  password: process.env.PGPASSWORD,
};
const database = `apss_cli_${randomBytes(4).toString('hex')}`;
const connectionString = `postgres://${encodeURIComponent(settings.user)}${settings.password === undefined ? '' : `:${encodeURIComponent(settings.password)}`}@${settings.host}:${settings.port}/${database}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client();
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const why = await unreachableReason();

describe.skipIf(why !== undefined && !postgresRequired)('apss audit --postgres', () => {
  beforeAll(async () => {
    if (why !== undefined)
      throw new Error(`PostgreSQL is required (APSS_REQUIRE_POSTGRES=1) but unreachable: ${why}`);
    await admin(`CREATE DATABASE ${database}`);
    const store = new PostgresEventStore({ connectionString });
    for (const line of readFileSync('examples/apss-log.ndjson', 'utf8').trimEnd().split('\n')) {
      const event = decodeEvent(JSON.parse(line));
      if (event._tag === 'Right')
        await store.appendToStream(`partner-${event.right.data.partnerId}`, [event.right], {
          expectedVersion: 'any',
        });
    }
    await store.close();
  });
  afterAll(async () => {
    if (why === undefined) await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it("given a store holding the example's events, then they are audited in global order, positions counting records", async () => {
    const run = await apss(['audit', '--postgres', connectionString, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as AuditReport;
    // The malformed line never made it into the store: 35 records, the rest of the example's findings.
    expect(report).toMatchObject({ records: 35, events: 35, partners: 4 });
    expect(report.findings.map((f) => [f.position, f.code])).toEqual([
      [13, 'MARKETPLACE_CUTOFF'],
      [15, 'OUT_OF_ORDER'],
      [18, 'SHARED_TENANT_EXCLUSIVE'],
      [28, 'ROLE_NOT_PERMITTED'],
    ]);
  });

  it('given the human report, then its table counts records, not lines', async () => {
    const run = await apss(['audit', '--postgres', connectionString, '--rules', '2023']);
    expect(run.stdout).toContain('35 records (35 well-formed events) from 4 partners: 8 findings');
    expect(run.stdout).toMatch(/^ {2}record {2}partner/m);
  });
});
