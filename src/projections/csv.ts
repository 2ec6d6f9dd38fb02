import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { describeProblems, problemsOf } from '../lib/codec.js';
import { reasonOf } from '../lib/reason.js';
import { isBuiltInvoice } from './invoice.js';
import { isBuiltReconciliation } from './reconciliation.js';
import { invoiceLayout, overviewTable, reconciliationLayout, type LineLayout, type Table } from './table.js';
import {
  decodeEach,
  fieldPath,
  InvoiceLineCodec,
  OverviewViewCodec,
  ReconciliationLineCodec,
  rootContext,
  type InvoiceLine,
  type PartnerOverview,
  type ReconciliationLine,
} from './viewCodecs.js';

const NEEDS_QUOTES = /[",\r\n]/;

/** A field as RFC 4180 writes it: quoted when it holds a comma, a quote, CR or LF, quotes doubled. */
export const csvField = (value: string): string =>
  NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

const record = (fields: readonly string[]): string => `${fields.map(csvField).join(',')}\r\n`;

/** The records of a table, header first, each ending in CRLF (RFC 4180). Values are written as they are. */
export function* csvRecords(table: Table): Iterable<string> {
  yield record(table.columns);
  for (const row of table.rows()) yield record(row);
}

const described = (errors: t.Errors): string =>
  describeProblems(problemsOf(errors).map(({ path, reason }) => ({ path: fieldPath(path), reason })));

/**
 * Runs a writer on a value from outside: a value it cannot read (a throwing getter, a proxy) or a
 * file too large for one string is a refusal like any other.
 */
function refusing(name: string, write: () => E.Either<string, string>): E.Either<string, string> {
  let written: E.Either<string, string>;
  try {
    written = write();
  } catch (error) {
    written = E.left(`the input could not be read or written (${reasonOf(error)})`);
  }
  return E.mapLeft((reason: string) => `${name}: ${reason}`)(written);
}

/**
 * The CSV of a view that is a list of lines. A view the projection built is written as it is (it is
 * frozen, so it is still what was built). Anything else is decoded line by line in the same pass
 * that writes it, each record written from the decoded line, and refused at the first bad line.
 */
const linesCsv =
  <L>(
    name: string,
    line: t.Decoder<unknown, L>,
    noun: string,
    isBuilt: (u: unknown) => boolean,
    layout: LineLayout<L>,
  ) =>
  (lines: readonly L[]): E.Either<string, string> =>
    refusing(name, () => {
      const records = [record(layout.columns)];
      const take = (checked: L): void => {
        records.push(record(layout.row(checked)));
      };
      if (isBuilt(lines)) {
        for (const built of lines) take(built);
        return E.right(records.join(''));
      }
      const checked = decodeEach(line, noun, lines, rootContext(lines), take);
      return E.isLeft(checked) ? E.left(described(checked.left)) : E.right(records.join(''));
    });

/**
 * The reconciliation file: a header row, then one record per usage line with the columns a Partner
 * Center reconciliation file has (PartnerId, CustomerId, ..., Total) and the usage id. Any value that
 * is not a reconciliation view is a `Left` naming the first bad line's problems:
 * `reconciliationCsv: [2].total must be an exact decimal >= 0 in plain notation, like "142.848" (got 3)`.
 */
export const reconciliationCsv: (lines: readonly ReconciliationLine[]) => E.Either<string, string> = linesCsv(
  'reconciliationCsv',
  ReconciliationLineCodec,
  'reconciliation lines',
  isBuiltReconciliation,
  reconciliationLayout,
);

/** The invoice lines: PartnerId, Month, LineItem, Currency, Total. Refuses a non-view as `reconciliationCsv` does. */
export const invoiceCsv: (lines: readonly InvoiceLine[]) => E.Either<string, string> = linesCsv(
  'invoiceCsv',
  InvoiceLineCodec,
  'invoice lines',
  isBuiltInvoice,
  invoiceLayout,
);

/**
 * The overview, one record per subscription (a partner without any has one with those columns empty).
 * Always decoded first: it holds an entry per partner, not per usage line, and a frozen Map can still
 * be changed through `Map.prototype.set`. Refuses a non-view as `reconciliationCsv` does.
 */
export const overviewCsv = (partners: ReadonlyMap<string, PartnerOverview>): E.Either<string, string> =>
  refusing('overviewCsv', () =>
    E.bimap(described, (view: ReadonlyMap<string, PartnerOverview>) =>
      [...csvRecords(overviewTable(view))].join(''),
    )(OverviewViewCodec.decode(partners)),
  );
