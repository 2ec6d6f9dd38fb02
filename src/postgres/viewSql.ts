import { DDL_LOCK } from './sql.js';

// The SQL of the views a PostgresProjectionRunner keeps: names are checked SqlNames (options.ts) and
// quoted; values are parameters, each batch's rows one jsonb array.

export type ViewSql = ReturnType<typeof viewSql>;

/** The columns of a reconciliation row, as jsonb_to_recordset reads them from a batch. */
const RECONCILIATION_COLUMNS = `line bigint, partner_id text, customer_id text, subscription_id text,
  usage_id text, usage_date text, meter_category text, meter_name text, quantity double precision,
  unit_price double precision, currency text, total numeric`;

export function viewSql(schema: string, prefix: string) {
  const name = (table: string): string => `"${schema}"."${prefix}_${table}"`;
  const checkpoint = name('checkpoint');
  const reconciliation = name('reconciliation');
  const invoice = name('invoice');
  const overview = name('overview');
  return {
    tables: { checkpoint, reconciliation, invoice, overview },
    /** Idempotent; the checkpoint of a new set of tables is 0, before the first event. */
    create: [
      DDL_LOCK,
      `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
      `CREATE TABLE IF NOT EXISTS ${checkpoint} (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        position bigint NOT NULL CHECK (position >= 0)
      )`,
      // `position:digest` of the event at the position (see digestOf), as the batch that moved it there
      // wrote it; none at 0, nor where a runner of an earlier version moved it (its position is another).
      `ALTER TABLE ${checkpoint} ADD COLUMN IF NOT EXISTS last_event text`,
      // One more at every rebuild: a runner's batch moves the checkpoint only within the views it loaded.
      `ALTER TABLE ${checkpoint} ADD COLUMN IF NOT EXISTS generation bigint NOT NULL DEFAULT 0`,
      `CREATE TABLE IF NOT EXISTS ${reconciliation} (
        line bigint PRIMARY KEY CHECK (line >= 0),
        partner_id text NOT NULL,
        customer_id text NOT NULL,
        subscription_id text NOT NULL,
        usage_id text NOT NULL,
        usage_date text NOT NULL,
        meter_category text NOT NULL,
        meter_name text NOT NULL,
        quantity double precision NOT NULL,
        unit_price double precision NOT NULL,
        currency text NOT NULL,
        total numeric NOT NULL,
        UNIQUE (partner_id, usage_id)
      )`,
      `CREATE TABLE IF NOT EXISTS ${invoice} (
        partner_id text NOT NULL,
        month text NOT NULL,
        currency text NOT NULL,
        total numeric NOT NULL,
        PRIMARY KEY (partner_id, month, currency)
      )`,
      `CREATE TABLE IF NOT EXISTS ${overview} (
        partner_id text PRIMARY KEY,
        place integer NOT NULL UNIQUE CHECK (place >= 0),
        shared_tenant_id text,
        subscriptions jsonb NOT NULL,
        progress jsonb NOT NULL
      )`,
      `INSERT INTO ${checkpoint} (position) VALUES (0) ON CONFLICT DO NOTHING`,
    ],
    checkpoint: `SELECT position, last_event, generation::text AS generation FROM ${checkpoint}`,
    /**
     * Moves the checkpoint from where this runner left it: no row when another runner (or a rebuild)
     * moved it meanwhile. It comes first in a batch, so its row lock orders the runners' batches.
     */
    advance: `UPDATE ${checkpoint} SET position = $2, last_event = $3 WHERE position = $1 AND generation = $4`,
    insertLines: `INSERT INTO ${reconciliation}
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${RECONCILIATION_COLUMNS})`,
    upsertInvoice: `INSERT INTO ${invoice}
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(partner_id text, month text, currency text, total numeric)
      ON CONFLICT (partner_id, month, currency) DO UPDATE SET total = EXCLUDED.total`,
    upsertOverview: `INSERT INTO ${overview}
      SELECT * FROM jsonb_to_recordset($1::jsonb)
        AS r(partner_id text, place integer, shared_tenant_id text, subscriptions jsonb, progress jsonb)
      ON CONFLICT (partner_id) DO UPDATE SET shared_tenant_id = EXCLUDED.shared_tenant_id,
        subscriptions = EXCLUDED.subscriptions, progress = EXCLUDED.progress`,
    /** Numbers as text: pg hands bigint and numeric over as strings, and the codecs read them so. */
    // Ordered by the table's bigint column (r.line), not by the text it is selected as.
    readLines: `SELECT r.line::text AS line, partner_id, customer_id, subscription_id, usage_id, usage_date,
        meter_category, meter_name, quantity, unit_price, currency, total::text AS total
      FROM ${reconciliation} AS r WHERE r.line > $1 ORDER BY r.line LIMIT $2`,
    readInvoice: `SELECT partner_id, month, currency, total::text AS total FROM ${invoice}`,
    readOverview: `SELECT place, partner_id, shared_tenant_id, subscriptions, progress
      FROM ${overview} WHERE place > $1 ORDER BY place LIMIT $2`,
    // The checkpoint first: its row lock waits for a batch of another runner to commit, so that the
    // DELETEs see that batch's rows, and a batch begun after waits for the clear and then finds the
    // checkpoint moved. DELETE, not TRUNCATE: a reader whose snapshot began before the clear committed
    // (a runner loading its progress, `views()`) must see the views whole with the checkpoint it
    // reads, and TRUNCATE would show it empty tables beside the old checkpoint.
    clear: [
      `UPDATE ${checkpoint} SET position = 0, last_event = NULL, generation = generation + 1`,
      `DELETE FROM ${reconciliation}`,
      `DELETE FROM ${invoice}`,
      `DELETE FROM ${overview}`,
    ],
  };
}
