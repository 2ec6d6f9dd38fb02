// What the benchmarks that measure PostgreSQL share: whether there is a server to measure.
import pg from 'pg';

/** Why PostgreSQL (PGHOST, PGPORT, PGUSER, PGDATABASE, as for psql) cannot be reached, or undefined when it can. */
async function unreachableReason() {
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

/**
 * Whether there is a server to measure `part` on. When there is not, says that `part` is skipped, and
 * under APSS_REQUIRE_POSTGRES=1 adds a miss to `misses`, so that the bench fails.
 */
export async function postgresReachable(part, misses) {
  const unreachable = await unreachableReason();
  if (unreachable === undefined) return true;
  console.log(`${part}: skipped, no server (${unreachable}); set PGHOST/PGPORT/PGUSER/PGDATABASE`);
  if (process.env.APSS_REQUIRE_POSTGRES === '1') misses.push('postgres unreachable');
  return false;
}
