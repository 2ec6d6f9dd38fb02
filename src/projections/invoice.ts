import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { DomainEvent, EventOf } from '../events/codecs.js';
import { struct } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { PersistentList } from '../lib/persistentList.js';
import { arrayView } from '../lib/prefixView.js';
import { copyLedger, countId, countUsage, type Ledger } from './ledger.js';
import { foldingProjection, isBuiltBy, type Folding, type Projection } from './projection.js';
import { progressOf, refuseAt, savedForm, type Progress, type ProjectionProgress } from './progress.js';
import { lineAmount, plainOfScaled, plus, scaledOfPlain, ZERO_SCALED, type Scaled } from './scaled.js';
import { AZURE_LINE_ITEM, InvoiceLineCodec, listOf, type InvoiceLine } from './viewCodecs.js';

export type { InvoiceLine } from './viewCodecs.js';

type Key = Pick<InvoiceLine, 'partnerId' | 'month' | 'currency'>;

type Entry = { readonly key: Key; readonly sum: Scaled };

/**
 * How far the invoice has got: the exact sum per partner, month and currency, and the usage ids
 * counted. The lines last shown are a persistent list in the invoice's order, which copies of the
 * progress and the views share: a view after an event writes the one line whose sum changed, at the
 * cost of its path in the list, and is a frozen view of that list (see `arrayView`), so a new view
 * costs the same however many lines there are.
 */
type Working = {
  readonly sums: InvoiceSums;
  readonly ledger: Ledger;
  lines: PersistentList<InvoiceLine>;
  /** The sums changed since the lines were last shown. */
  readonly dirty: Set<string>;
  shown: readonly InvoiceLine[] | undefined;
};

// Ids hold no control characters, so NUL cannot occur inside a part.
const keyOf = ({ partnerId, month, currency }: Key): string => `${partnerId}\u0000${month}\u0000${currency}`;

/** The exact sums of an invoice's lines, by the key of their partner, month and currency. */
export type InvoiceSums = Map<string, Entry>;

/**
 * Adds a usage record that is counted (its usage id is new to its partner) to its line's sum; the
 * key of that line.
 */
export function addUsage(sums: InvoiceSums, { data }: EventOf<'UsageRecorded'>): string {
  const { partnerId, usageDate, currency, quantity, unitPrice } = data;
  const key = { partnerId, month: usageDate.slice(0, 7), currency };
  const id = keyOf(key);
  const entry = sums.get(id);
  sums.set(id, {
    key: entry?.key ?? key,
    sum: plus(entry?.sum ?? ZERO_SCALED, lineAmount(quantity, unitPrice)),
  });
  return id;
}

function step(working: Working, event: DomainEvent): void {
  // The invoice needs no tenant: only usage changes its progress, and each change marks its sum.
  if (event.type !== 'UsageRecorded' || !countUsage(working.ledger, event)) return;
  working.dirty.add(addUsage(working.sums, event));
}

/** The order of the invoice's lines: by partner, month and currency, as strings compare. */
export const invoiceOrder = (a: Key, b: Key): number =>
  a.partnerId !== b.partnerId
    ? a.partnerId < b.partnerId
      ? -1
      : 1
    : a.month !== b.month
      ? a.month < b.month
        ? -1
        : 1
      : a.currency < b.currency
        ? -1
        : a.currency > b.currency
          ? 1
          : 0;

const lineOf = ({ key, sum }: Entry): InvoiceLine =>
  Object.freeze({
    partnerId: key.partnerId,
    month: key.month,
    lineItem: AZURE_LINE_ITEM,
    currency: key.currency,
    total: plainOfScaled(sum),
  });

/** The invoice's lines of these sums, in the invoice's order. */
export const invoiceLines = (sums: InvoiceSums): InvoiceLine[] =>
  [...sums.values()].sort((a, b) => invoiceOrder(a.key, b.key)).map(lineOf);

/** The lines, rewriting those whose sums changed since they were last shown (a new sum's line is put in its place). */
function view(working: Working): readonly InvoiceLine[] {
  const { sums, dirty } = working;
  if (working.shown !== undefined && dirty.size === 0) return working.shown;
  let { lines } = working;
  for (const id of dirty) {
    const entry = sums.get(id) as Entry;
    const { index, found } = lines.locate((line) => invoiceOrder(line, entry.key));
    lines = found === undefined ? lines.insert(index, lineOf(entry)) : lines.set(index, lineOf(entry));
  }
  dirty.clear();
  working.lines = lines;
  working.shown = arrayView(lines.size, (index) => lines.at(index));
  return working.shown;
}

const start = (): Working => ({
  sums: new Map(),
  ledger: new Map(),
  lines: PersistentList.empty(),
  dirty: new Set(),
  shown: undefined,
});

const folding: Folding<Working, readonly InvoiceLine[]> = {
  name: 'invoice',
  start,
  step,
  view,
  copy: (working) => ({
    ...working,
    sums: new Map(working.sums),
    ledger: copyLedger(working.ledger),
    dirty: new Set(working.dirty),
  }),
};

/**
 * The "Microsoft Azure" line item of each partner's invoice, per month and currency, ordered by
 * partner, month and currency. Amounts in different currencies are never added together.
 */
export const invoice: Projection<readonly InvoiceLine[]> = foldingProjection(folding);

/** Whether a value is a view this projection built: frozen, so it is still exactly what was built. */
export const isBuiltInvoice = (u: unknown): boolean => isBuiltBy(invoice, u);

const SavedInvoice = savedForm('invoice', InvoiceLineCodec, {
  /** The usage ids already counted, per partner: a record delivered again is not billed again. */
  usage: listOf(
    'CountedUsage',
    struct('CountedUsage', { partnerId: Id, usageIds: listOf('UsageIds', Id, 'usage ids') }),
    'partners with counted usage',
  ),
});
type SavedInvoice = t.TypeOf<typeof SavedInvoice>;

function rebuild(saved: SavedInvoice): E.Either<ReturnType<typeof refuseAt>, Working> {
  const working = start();
  const { sums } = working;
  for (const [i, { partnerId, month, currency, total }] of saved.lines.entries()) {
    const key = { partnerId, month, currency };
    const id = keyOf(key);
    if (sums.has(id))
      return E.left(refuseAt(`lines[${i}]`, `repeats the line of ${partnerId} for ${month} in ${currency}`));
    sums.set(id, { key, sum: scaledOfPlain(total) });
    working.dirty.add(id);
  }
  const { ledger } = working;
  for (const [i, { partnerId, usageIds }] of saved.usage.entries()) {
    if (ledger.has(partnerId))
      return E.left(refuseAt(`usage[${i}].partnerId`, `names a partner listed before (${partnerId})`));
    for (const [j, usageId] of usageIds.entries())
      if (!countId(ledger, partnerId, usageId))
        return E.left(
          refuseAt(`usage[${i}].usageIds[${j}]`, `repeats a usage id of partner ${partnerId} (${usageId})`),
        );
  }
  const refused = countsProblem(saved);
  return refused === undefined ? E.right(working) : E.left(refused);
}

/**
 * Whether the saved lines and counted usage ids could be of one log: each counted usage id is on one
 * line of its partner, so a partner has lines exactly when it has counted ids, and no more lines than
 * ids. (The totals cannot be checked: the saved form keeps no amount per usage record.)
 */
function countsProblem(saved: SavedInvoice): ReturnType<typeof refuseAt> | undefined {
  const linesOf = new Map<string, number>();
  for (const { partnerId } of saved.lines) linesOf.set(partnerId, (linesOf.get(partnerId) ?? 0) + 1);
  const counted = new Set<string>();
  for (const [i, { partnerId, usageIds }] of saved.usage.entries()) {
    counted.add(partnerId);
    const lines = linesOf.get(partnerId) ?? 0;
    if (lines > usageIds.length || (lines === 0 && usageIds.length > 0))
      return refuseAt(
        `usage[${i}].usageIds`,
        `counts ${usageIds.length} usage ids of partner ${partnerId}, who has ${lines} lines: each line sums one or more of them`,
      );
  }
  const uncounted = saved.lines.findIndex(({ partnerId }) => !counted.has(partnerId));
  return uncounted === -1
    ? undefined
    : refuseAt(
        `lines[${uncounted}].partnerId`,
        `names partner ${saved.lines[uncounted]?.partnerId}, who has no counted usage ids in usage`,
      );
}

/** The invoice's progress, opaque. */
export type InvoiceProgress = Progress<'invoice'>;

/**
 * The invoice's progress as a value of its own: `save` it with the position it stands at, and `load`
 * it in another process to go on with the events after it.
 */
export const invoiceProgress: ProjectionProgress<InvoiceProgress, readonly InvoiceLine[]> = progressOf(
  folding,
  SavedInvoice,
  (progress) => ({
    projection: 'invoice' as const,
    version: 1 as const,
    lines: [...view(progress)],
    usage: [...progress.ledger].map(([partnerId, { usageIds }]) => ({ partnerId, usageIds: [...usageIds] })),
  }),
  rebuild,
);
