import { afterAll } from 'vitest';
import { PostgresEventStore } from 'apss-domain/postgres';
import { eventStoreContract } from '../store/contract.js';
import { isolatedSchema } from './support.js';

/** The EventStore contract against PostgreSQL: a new table per test, reads paged 3 rows at a time. */
export function postgresContract(): void {
  const schema = isolatedSchema('contract');
  const stores: PostgresEventStore[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });
  eventStoreContract('PostgresEventStore', {
    pageSize: 3,
    runs: 15,
    open: async () => {
      const store = new PostgresEventStore({
        pool: schema.admin(),
        schema: schema.name,
        table: `events_${stores.length + 1}`,
        pageSize: 3,
      });
      stores.push(store);
      await store.ensureSchema();
      return store;
    },
  });
}
