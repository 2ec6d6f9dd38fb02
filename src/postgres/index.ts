// apss-domain/postgres: the PostgreSQL event store, and the runner that keeps the views beside it.
export { PostgresEventStore } from './store.js';
export {
  DEFAULT_SCHEMA,
  DEFAULT_TABLE,
  DEFAULT_PAGE_SIZE,
  type PostgresEventStoreOptions,
} from './options.js';
export {
  PostgresProjectionRunner,
  StoredViewError,
  LogReplacedError,
  DEFAULT_VIEW_PREFIX,
  DEFAULT_BATCH_SIZE,
  type PostgresProjectionRunnerOptions,
  type StoredViews,
} from './projections.js';
