import type { DomainEvent } from '../events/codecs.js';
import { lineTotal, plainOf, ZERO, type Exact } from './exact.js';
import { countUsage, draftLedger, noteTenant, settle, type Ledger, type LedgerDraft } from './ledger.js';
import { batchProjection, type Projection } from './projection.js';
import { AZURE_LINE_ITEM, type InvoiceLine } from './viewCodecs.js';

export type { InvoiceLine } from './viewCodecs.js';

type Key = Pick<InvoiceLine, 'partnerId' | 'month' | 'currency'>;
type Sums = ReadonlyMap<string, { readonly key: Key; readonly sum: Exact }>;
type Accumulator = {
  readonly sums: Map<string, { readonly key: Key; readonly sum: Exact }>;
  readonly ledger: LedgerDraft;
};

// Every view this projection has built (each deeply frozen), with what it needs to go on.
const remembered = new WeakMap<object, { readonly sums: Sums; readonly ledger: Ledger }>();

/** Whether a value is a view this projection built: frozen, so it is still exactly what was built. */
export const isBuiltInvoice = (u: unknown): boolean =>
  typeof u === 'object' && u !== null && remembered.has(u);

// Ids hold no control characters, so NUL cannot occur inside a part.
const keyOf = (partnerId: string, month: string, currency: string): string =>
  `${partnerId}\u0000${month}\u0000${currency}`;

function step({ sums, ledger }: Accumulator, event: DomainEvent): void {
  if (event.type !== 'UsageRecorded') return noteTenant(ledger, event);
  if (!countUsage(ledger, event)) return;
  const { partnerId, usageDate, currency, quantity, unitPrice } = event.data;
  const month = usageDate.slice(0, 7);
  const id = keyOf(partnerId, month, currency);
  const entry = sums.get(id);
  const total = lineTotal(quantity, unitPrice);
  sums.set(id, { key: entry?.key ?? { partnerId, month, currency }, sum: (entry?.sum ?? ZERO).plus(total) });
}

const before = (a: Key, b: Key): number =>
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

/**
 * The "Microsoft Azure" line item of each partner's invoice, per month and currency, ordered by
 * partner, month and currency. Amounts in different currencies are never added together.
 */
export const invoice: Projection<readonly InvoiceLine[]> = batchProjection({
  resume(view: unknown): Accumulator {
    const saved = typeof view === 'object' && view !== null ? remembered.get(view) : undefined;
    return { sums: new Map(saved?.sums), ledger: draftLedger(saved?.ledger) };
  },
  step,
  finish({ sums, ledger }: Accumulator): readonly InvoiceLine[] {
    const lines = [...sums.values()]
      .sort((a, b) => before(a.key, b.key))
      .map(({ key, sum }) =>
        Object.freeze({
          partnerId: key.partnerId,
          month: key.month,
          lineItem: AZURE_LINE_ITEM,
          currency: key.currency,
          total: plainOf(sum),
        }),
      );
    const view = Object.freeze(lines);
    remembered.set(view, { sums, ledger: settle(ledger) });
    return view;
  },
});
