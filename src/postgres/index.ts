// apss-domain/postgres: the PostgreSQL event store.
export { PostgresEventStore } from './store.js';
export {
  DEFAULT_SCHEMA,
  DEFAULT_TABLE,
  DEFAULT_PAGE_SIZE,
  type PostgresEventStoreOptions,
} from './options.js';
