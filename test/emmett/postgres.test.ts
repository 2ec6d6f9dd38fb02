import { afterAll, beforeAll, describe } from 'vitest';
import { getPostgreSQLEventStore, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { isolatedSchema, whenPostgres } from '../postgres/support.js';
import { handlerSuite } from './handlerSuite.js';

// emmett-postgresql names no schema of its own: its tables and functions go where the connection's
// search_path says, here a schema of this file's own (made fresh, dropped after).

/** The connection string for the PG* variables, as pg reads them, with the search_path of `schema`. */
function connectionString(schema: string): string {
  const env = process.env;
  const user = encodeURIComponent(env.PGUSER ?? 'postgres');
  const password = env.PGPASSWORD === undefined ? '' : `:${encodeURIComponent(env.PGPASSWORD)}`;
  const database = encodeURIComponent(env.PGDATABASE ?? env.PGUSER ?? 'postgres');
  const options = encodeURIComponent(`-c search_path=${schema}`);
  return `postgres://${user}${password}@${env.PGHOST ?? 'localhost'}:${env.PGPORT ?? '5432'}/${database}?options=${options}`;
}

await whenPostgres('emmett-postgresql tests', () => {
  describe("emmett-postgresql's event store", () => {
    const schema = isolatedSchema('emmett');
    let store: PostgresEventStore | undefined;
    beforeAll(async () => {
      await schema.admin().query(`CREATE SCHEMA "${schema.name}"`);
      store = getPostgreSQLEventStore(connectionString(schema.name));
      await store.schema.migrate();
    });
    afterAll(async () => {
      await store?.close();
    });
    // emmett-postgresql 0.42 appends without a check where the handler expects no stream (docs/emmett.md).
    handlerSuite(() => {
      if (store === undefined) throw new Error('the store is opened before the tests');
      return store;
    }, false);
  });
});
