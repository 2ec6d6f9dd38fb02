import type { Pool } from 'pg';
import type { TableSql } from './sql.js';
import { withClient } from './clients.js';

export async function tableExists(pool: Pool, sql: TableSql): Promise<boolean> {
  const found = await pool.query<{ exists: boolean }>(sql.exists, [sql.qualified]);
  return found.rows[0]?.exists === true;
}

/**
 * Creates the schema and the events table unless the table is there. Idempotent, and safe when many
 * processes start at once: the DDL runs under one advisory lock. A database user without the right
 * to create anything can use a table made beforehand (the check looks first, creates only if missing).
 */
export async function ensureTable(pool: Pool, sql: TableSql): Promise<void> {
  if (await tableExists(pool, sql)) return;
  await withClient(pool, async (client) => {
    await client.query('BEGIN');
    for (const statement of sql.create) await client.query(statement);
    await client.query('COMMIT');
  });
}
