import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { decodeEvent } from 'apss-domain';
import { PostgresEventStore } from 'apss-domain/postgres';

// The PostgreSQL tests connect as pg does by default: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE.

/** CI sets APSS_REQUIRE_POSTGRES=1: there a missing server fails the tests instead of skipping them. */
export const postgresRequired = process.env.APSS_REQUIRE_POSTGRES === '1';

export const where = (): string =>
  `${process.env.PGHOST ?? 'localhost'}:${process.env.PGPORT ?? '5432'}/${process.env.PGDATABASE ?? process.env.PGUSER ?? ''}`;

/** Why PostgreSQL cannot be used here, or undefined when it can. */
export async function unreachableReason(): Promise<string | undefined> {
  const client = new pg.Client({ connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Declares `suites` when PostgreSQL is reachable. Otherwise, under APSS_REQUIRE_POSTGRES=1 (CI), one
 * failing test says why; elsewhere one line says the `what` tests are skipped.
 */
export async function whenPostgres(what: string, suites: () => void): Promise<void> {
  const unreachable = await unreachableReason();
  if (unreachable === undefined) suites();
  else if (postgresRequired)
    describe('PostgreSQL', () => {
      it(`is reachable for the ${what}, as APSS_REQUIRE_POSTGRES=1 demands`, () => {
        throw new Error(
          `PostgreSQL at ${where()} is required (APSS_REQUIRE_POSTGRES=1) but unreachable: ${unreachable}`,
        );
      });
    });
  else {
    console.log(
      `postgres: skipping the ${what}, no server at ${where()} (${unreachable}); set PGHOST/PGPORT/PGUSER/PGDATABASE to run them`,
    );
    describe.skip(`${what} (no PostgreSQL server)`, () => {
      it('needs a PostgreSQL server', () => undefined);
    });
  }
}

/**
 * A schema of the calling suite's own, made up fresh and dropped after it, so that test files
 * (and anyone else on the same database) never share a table. `admin` runs the suite's own SQL.
 */
export function isolatedSchema(label: string): { readonly name: string; readonly admin: () => pg.Pool } {
  const name = `apss_test_${label}_${randomBytes(4).toString('hex')}`;
  let pool: pg.Pool | undefined;
  const admin = (): pg.Pool => {
    if (pool === undefined) {
      pool = new pg.Pool({ max: 4 });
      pool.on('error', () => undefined);
    }
    return pool;
  };
  beforeAll(async () => {
    await admin().query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  });
  afterAll(async () => {
    await admin().query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await pool?.end();
  });
  return { name, admin };
}

/** Resolves once `count` callers have arrived: every one of them waits for the last. */
export function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return async () => {
    arrived += 1;
    if (arrived === count) open();
    await opened;
  };
}

/** What the probe finds once it finds something, tried every 25 ms for 5 s. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A database of the calling suite's own, created before it and dropped after it, holding the bundled
 * example's events (each in its partner's stream, in the log's order). Resolves the URL to reach it,
 * as pg's environment (PGHOST, PGPORT, PGUSER, PGPASSWORD) would.
 */
export function exampleDatabase(label: string): { readonly connectionString: string } {
  const database = `apss_${label}_${randomBytes(4).toString('hex')}`;
  const user = process.env.PGUSER ?? userInfo().username;
  const password =
    process.env.PGPASSWORD === undefined ? '' : `:${encodeURIComponent(process.env.PGPASSWORD)}`;
  const connectionString = `postgres://${encodeURIComponent(user)}${password}@${process.env.PGHOST ?? 'localhost'}:${process.env.PGPORT ?? '5432'}/${database}`;
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client();
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  beforeAll(async () => {
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
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });
  return { connectionString };
}

/** What a promise rejects with, or 'no refusal' when it resolves. */
export const refusalOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'no refusal',
    (error: unknown) => error,
  );
