import type { ExportArguments } from '../args.js';
import { put, type CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { absentTable, firstLine, postgresConnectionString, reasonOf } from '../source.js';
import { canonicalJson, sealedLine } from '../../seal/link.js';

/** Lines gathered before a write: few enough to keep memory flat, enough to spare the stream many small writes. */
const LINES_PER_WRITE = 256;

/**
 * `apss export`: a PostgreSQL event store's log on stdout as NDJSON, in global order, one record a
 * line in canonical JSON. A sealed store's lines carry the chain fields (a sealed line each); a store
 * that is not sealed gives its records with their places, and a note on stderr. pg is loaded only here.
 */
export async function exportCommand(args: ExportArguments, io: CliIo): Promise<number> {
  const { PostgresEventStore } = await import('../../postgres/index.js');
  const store = new PostgresEventStore({
    connectionString: postgresConnectionString(args.postgres),
    ...(args.schema === undefined ? {} : { schema: args.schema }),
    ...(args.table === undefined ? {} : { table: args.table }),
  });
  const progress = new Progress(io, 'exporting PostgreSQL');
  let records = 0;
  try {
    const missing = await absentTable(store);
    if (missing !== undefined) {
      await put(io.stderr, `apss export: ${missing}\n`);
      return 2;
    }
    const sealed = await store.isSealed();
    const lines = sealed
      ? mapAsync(store.readSealed(), sealedLine)
      : mapAsync(store.readPlaced(), canonicalJson);
    let out = '';
    for await (const line of lines) {
      out += `${line}\n`;
      if (++records % LINES_PER_WRITE === 0) {
        await put(io.stdout, out);
        out = '';
        progress.update(records);
      }
    }
    await put(io.stdout, out);
    progress.done();
    if (!sealed)
      await put(
        io.stderr,
        `apss export: ${store.table} is not sealed: its ${records} records carry no chain fields, and nothing can show they are the ones written\n`,
      );
    return 0;
  } catch (error) {
    progress.done();
    await put(io.stderr, `apss export: cannot read from PostgreSQL: ${firstLine(reasonOf(error))}\n`);
    return 2;
  } finally {
    await store.close().catch(() => undefined);
  }
}

async function* mapAsync<A, B>(items: AsyncIterable<A>, f: (a: A) => B): AsyncGenerator<B> {
  for await (const item of items) yield f(item);
}
