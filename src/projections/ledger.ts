import type { DomainEvent, EventOf } from '../events/codecs.js';
import { IdSet } from '../lib/idSet.js';

/** What the consumption views remember of a partner: its shared tenant and the usage ids already counted. */
export type PartnerLedger = { sharedTenantId: string | null; readonly usageIds: IdSet };

/** The ledgers of every partner, written in place as the events come. */
export type Ledger = Map<string, PartnerLedger>;

function entryOf(ledger: Ledger, partnerId: string): PartnerLedger {
  let entry = ledger.get(partnerId);
  if (entry === undefined) {
    entry = { sharedTenantId: null, usageIds: new IdSet() };
    ledger.set(partnerId, entry);
  }
  return entry;
}

/** Remembers a partner's shared tenant; the first one stays, as in the partner's state. */
export function noteTenant(ledger: Ledger, event: DomainEvent): void {
  if (event.type !== 'SharedTenantCreated' || sharedTenantOf(ledger, event.data.partnerId) !== null) return;
  entryOf(ledger, event.data.partnerId).sharedTenantId = event.data.tenantId;
}

/**
 * Counts a usage record once: false when the partner's usage id was counted before (a record
 * delivered twice is billed once, and the partner's state keeps the first, too).
 */
export const countUsage = (ledger: Ledger, event: EventOf<'UsageRecorded'>): boolean =>
  countId(ledger, event.data.partnerId, event.data.usageId);

export const sharedTenantOf = (ledger: Ledger, partnerId: string): string | null =>
  ledger.get(partnerId)?.sharedTenantId ?? null;

/** Counts a partner's usage id; false when it was counted before. */
export const countId = (ledger: Ledger, partnerId: string, usageId: string): boolean =>
  entryOf(ledger, partnerId).usageIds.add(usageId);

/** Notes a saved shared tenant; false when the partner already has one. */
export const noteSavedTenant = (ledger: Ledger, partnerId: string, tenantId: string): boolean => {
  const entry = entryOf(ledger, partnerId);
  if (entry.sharedTenantId !== null) return false;
  entry.sharedTenantId = tenantId;
  return true;
};

/**
 * A copy of the ledgers that is written on its own. The usage ids are shared until either adds to
 * them (see IdSet): a copy costs one entry per partner, however many ids they counted.
 */
export const copyLedger = (ledger: Ledger): Ledger =>
  new Map(
    [...ledger].map(([partnerId, { sharedTenantId, usageIds }]) => [
      partnerId,
      { sharedTenantId, usageIds: usageIds.copy() },
    ]),
  );
