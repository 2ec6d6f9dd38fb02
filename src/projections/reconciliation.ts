import type { DomainEvent } from '../events/codecs.js';
import { lineTotal, plainOf } from './exact.js';
import {
  countUsage,
  draftLedger,
  noteTenant,
  settle,
  sharedTenantOf,
  type Ledger,
  type LedgerDraft,
} from './ledger.js';
import { batchProjection, type Projection } from './projection.js';
import type { ReconciliationLine } from './viewCodecs.js';

export type { ReconciliationLine } from './viewCodecs.js';

type Accumulator = { readonly lines: ReconciliationLine[]; readonly ledger: LedgerDraft };

// Every view this projection has built (each deeply frozen), with what it needs to go on.
const ledgers = new WeakMap<object, Ledger>();

/** Whether a value is a view this projection built: frozen, so it is still exactly what was built. */
export const isBuiltReconciliation = (u: unknown): boolean =>
  typeof u === 'object' && u !== null && ledgers.has(u);

function step({ lines, ledger }: Accumulator, event: DomainEvent): void {
  if (event.type !== 'UsageRecorded') return noteTenant(ledger, event);
  if (!countUsage(ledger, event)) return;
  const { data } = event;
  lines.push(
    Object.freeze({
      partnerId: data.partnerId,
      customerId: sharedTenantOf(ledger, data.partnerId) ?? '',
      subscriptionId: data.subscriptionId,
      usageId: data.usageId,
      usageDate: data.usageDate,
      meterCategory: data.meterCategory,
      meterName: data.meterName,
      quantity: data.quantity,
      unitPrice: data.unitPrice,
      currency: data.currency,
      total: plainOf(lineTotal(data.quantity, data.unitPrice)),
    }),
  );
}

/** One line per usage record of every partner, in the order the log records them. */
export const reconciliation: Projection<readonly ReconciliationLine[]> = batchProjection({
  resume(view: unknown): Accumulator {
    const ledger = typeof view === 'object' && view !== null ? ledgers.get(view) : undefined;
    const lines = ledger === undefined ? [] : (view as readonly ReconciliationLine[]).slice();
    return { lines, ledger: draftLedger(ledger) };
  },
  step,
  finish({ lines, ledger }: Accumulator): readonly ReconciliationLine[] {
    const view = Object.freeze(lines);
    ledgers.set(view, settle(ledger));
    return view;
  },
});
