import pg from 'pg';

/**
 * pg reports a connection that dies outside a query (the server terminates it, say in a failover)
 * as an 'error' event on its client, and an 'error' event nobody listens to ends the process. The
 * pool listens to its idle clients only, and a client handed out has none until its user adds one:
 * a termination read in the same packet as the end of the connection's start-up falls in between.
 * Every client the store uses therefore has this listener for its whole life; what the connection's
 * death means is learnt from the query that fails, and the pool drops the client.
 */
const ignoreError = (): void => undefined;

/**
 * The clients of the store's own pool: listened to from their first moment, and closed when their
 * connection attempt fails. pg leaves such a socket open (a server asking for a password nobody gave
 * closes it only at its authentication_timeout, a minute later), and that socket alone would keep
 * the process alive.
 */
export class StoreClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', ignoreError);
  }

  override connect(): Promise<pg.Client>;
  override connect(callback: (error: Error | null, client?: pg.Client) => void): void;
  override connect(callback?: (error: Error | null, client?: pg.Client) => void): Promise<pg.Client> | void {
    const closeOnFailure = (error: unknown): void => {
      if (error) this.end().catch(ignoreError);
    };
    if (callback === undefined)
      return super.connect().catch((error: unknown) => {
        closeOnFailure(error);
        throw error;
      });
    super.connect((error: Error | null) => {
      closeOnFailure(error);
      callback(error, this);
    });
  }
}

/** How many stores use each pool of a caller's: the last one to close takes its listener away. */
const guarded = new WeakMap<pg.Pool, number>();
const guardNewClient = (client: pg.PoolClient): void => {
  client.on('error', ignoreError);
};

/**
 * Listens to every client a caller's pool connects from now on, for its whole life (its 'connect'
 * event comes before anyone can use it). Clients the pool connected before, and the pool's own
 * 'error' event, remain the caller's to listen to. Returns what undoes it.
 */
export function guardPool(pool: pg.Pool): () => void {
  // The options take anything with query() and connect() for a pool; one that emits no events has nothing to guard.
  if (typeof (pool as Partial<pg.Pool>).on !== 'function') return () => undefined;
  const users = guarded.get(pool) ?? 0;
  if (users === 0) pool.on('connect', guardNewClient);
  guarded.set(pool, users + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (guarded.get(pool) ?? 1) - 1;
    guarded.set(pool, left);
    if (left === 0) pool.off('connect', guardNewClient);
  };
}

/**
 * A pool of the store's own, on the given settings. Its clients are StoreClients unless the settings
 * name a Client of their own, which is then guarded from its 'connect' event on.
 */
export function ownPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool({ Client: StoreClient, ...config });
  // An idle connection that the server drops is an 'error' event; the pool replaces it.
  pool.on('error', ignoreError);
  pool.on('connect', guardNewClient);
  return pool;
}

/**
 * Runs work on a client of the pool. An open transaction that the work leaves behind (it failed)
 * is rolled back; a client whose connection broke meanwhile, or that the work discards (it could
 * not undo what the session holds), is destroyed, not returned to the pool.
 */
export async function withClient<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient, discard: () => void) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  const onError = (): void => {
    broken = true;
  };
  client.on('error', onError);
  try {
    return await work(client, onError);
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
