import * as E from 'fp-ts/lib/Either.js';
import { match } from 'ts-pattern';
import { isAsyncIterable, isIterable, oneOf, problemsOf, struct } from '../lib/codec.js';
import { Instant } from '../lib/time.js';
import type * as t from 'io-ts';
import type { DomainEvent } from '../events/codecs.js';
import { decodeEvent } from '../events/decode.js';
import { asOf } from '../projections/asOf.js';
import { csvRecords } from '../projections/csv.js';
import { invoice } from '../projections/invoice.js';
import { overview } from '../projections/overview.js';
import { reservations } from '../projections/reservations.js';
import { projector, type Projection } from '../projections/projection.js';
import { reconciliation } from '../projections/reconciliation.js';
import {
  invoiceTable,
  overviewTable,
  reconciliationTable,
  reservationsTable,
  type Table,
} from '../projections/table.js';
import { textLines } from '../projections/text.js';
import { View } from './args.js';

const ReplayOptionsCodec = struct(
  'ReplayOptions',
  {
    view: View,
    format: oneOf('format', ['text', 'json', 'csv']),
  },
  { asOf: Instant },
  'strip',
);

/**
 * What to replay: which view, as of which instant (all events when absent), written as a table for
 * people (`text`), as exactly the view in JSON (`json`; the overview's Map as an array of its
 * values, in partner order) or as CSV (`csv`).
 */
export type ReplayOptions = t.TypeOf<typeof ReplayOptionsCodec>;

const flags: Readonly<Record<string, string>> = { view: '--view', asOf: '--as-of' };

/** Checks replay options, naming the flag at fault: `--as-of must be an ISO-8601 instant ...`. */
export function decodeReplayOptions(input: unknown): E.Either<string, ReplayOptions> {
  return E.mapLeft((errors: t.Errors) =>
    problemsOf(errors)
      .map(({ path, reason }) => `${flags[path] ?? path} ${reason}`)
      .join('; '),
  )(ReplayOptionsCodec.decode(input));
}

type Run = { push: (event: DomainEvent) => void; finish: () => Output };
type Output = { readonly table: Table; readonly items: Iterable<unknown> };

const run = <V>(
  projection: Projection<V>,
  table: (view: V) => Table,
  items: (view: V) => Iterable<unknown>,
): Run => {
  const projecting = projector(projection);
  return {
    push: (event) => projecting.push(event),
    finish: () => {
      const view = projecting.view();
      return { table: table(view), items: items(view) };
    },
  };
};

function* jsonArray(items: Iterable<unknown>): Iterable<string> {
  let first = true;
  for (const item of items) {
    yield `${first ? '[\n' : ',\n'}${JSON.stringify(item)}`;
    first = false;
  }
  yield first ? '[]\n' : '\n]\n';
}

const CHUNK = 1 << 16;

function writeChunked(pieces: Iterable<string>, write: (chunk: string) => void): void {
  let buffer = '';
  for (const piece of pieces) {
    buffer += piece;
    if (buffer.length >= CHUNK) {
      write(buffer);
      buffer = '';
    }
  }
  if (buffer !== '') write(buffer);
}

/**
 * Replays raw records (parsed NDJSON lines; anything else, such as a parse-error marker, counts as
 * malformed) into a view and writes it. Malformed records are skipped and counted; well-formed
 * events later than `asOf` are counted as events but left out of the view. Rejects, before reading
 * anything, only when the options are invalid, with a one-line message.
 */
export async function replayRecords(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  options: ReplayOptions,
  write: (chunk: string) => void,
): Promise<{ records: number; events: number; skipped: number }> {
  const decoded = decodeReplayOptions(options);
  if (E.isLeft(decoded)) throw new Error(`replay: ${decoded.left}`);
  const { view, format } = decoded.right;
  const limit = decoded.right.asOf === undefined ? E.right(() => true) : asOf(decoded.right.asOf);
  if (E.isLeft(limit)) throw new Error(`replay: ${limit.left}`);
  const keep = limit.right;
  const replay = match(view)
    .with('overview', () => run(overview, overviewTable, (v) => v.values()))
    .with('reconciliation', () => run(reconciliation, reconciliationTable, (v) => v))
    .with('invoice', () => run(invoice, invoiceTable, (v) => v))
    .with('reservations', () => run(reservations, reservationsTable, (v) => v))
    .exhaustive();
  const counts = { records: 0, events: 0, skipped: 0 };
  const take = (record: unknown): void => {
    counts.records += 1;
    const event = decodeEvent(record);
    if (E.isLeft(event)) counts.skipped += 1;
    else {
      counts.events += 1;
      if (keep(event.right)) replay.push(event.right);
    }
  };
  // A plain loop over an array or generator: awaiting each of a million records would cost a turn each.
  if (isIterable(records)) for (const record of records) take(record);
  else if (isAsyncIterable(records)) for await (const record of records) take(record);
  const output = replay.finish();
  const pieces = match(format)
    .with('json', () => jsonArray(output.items))
    .with('csv', () => csvRecords(output.table))
    .with('text', () => textLines(output.table))
    .exhaustive();
  writeChunked(pieces, write);
  return counts;
}
