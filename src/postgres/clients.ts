import type { Pool, PoolClient } from 'pg';

/**
 * Runs work on a client of the pool. An open transaction that the work leaves behind (it failed)
 * is rolled back; a client whose connection broke meanwhile is destroyed, not returned to the pool.
 * pg reports a connection that dies between queries as an 'error' event: without a listener
 * it would end the process.
 */
export async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  const onError = (): void => {
    broken = true;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (error) {
    if (!broken)
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
