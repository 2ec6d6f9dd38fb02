// What the benchmarks that measure PostgreSQL share: whether there is a server to measure.
import pg from 'pg';

/** Why PostgreSQL (PGHOST, PGPORT, PGUSER, PGDATABASE, as for psql) cannot be reached, or undefined when it can. */
export async function postgresUnreachable() {
  const client = new pg.Client({ connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return error.message || error.name;
  } finally {
    await client.end().catch(() => undefined);
  }
}
