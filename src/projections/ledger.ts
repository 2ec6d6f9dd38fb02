import type { DomainEvent, EventOf } from '../events/codecs.js';

/** What the consumption views remember of a partner: its shared tenant and the usage ids already counted. */
type PartnerLedger = { readonly sharedTenantId: string | null; readonly usageIds: ReadonlySet<string> };
type OwnPartnerLedger = { sharedTenantId: string | null; readonly usageIds: Set<string> };

/** The ledgers of every partner, as a finished view keeps them. */
export type Ledger = ReadonlyMap<string, PartnerLedger>;

/**
 * A ledger being written: it copies a partner's entry the first time a batch touches it, so the
 * ledger it resumed from stays as it was.
 */
export type LedgerDraft = { readonly partners: Map<string, PartnerLedger>; readonly own: Set<PartnerLedger> };

export const draftLedger = (from?: Ledger): LedgerDraft => ({ partners: new Map(from), own: new Set() });

function ownEntry(draft: LedgerDraft, partnerId: string): OwnPartnerLedger {
  const entry = draft.partners.get(partnerId);
  if (entry !== undefined && draft.own.has(entry)) return entry as OwnPartnerLedger;
  const copy: OwnPartnerLedger = {
    sharedTenantId: entry?.sharedTenantId ?? null,
    usageIds: new Set(entry?.usageIds),
  };
  draft.partners.set(partnerId, copy);
  draft.own.add(copy);
  return copy;
}

/** Remembers a partner's shared tenant; the first one stays, as in the partner's state. */
export function noteTenant(draft: LedgerDraft, event: DomainEvent): void {
  if (event.type !== 'SharedTenantCreated' || sharedTenantOf(draft, event.data.partnerId) !== null) return;
  ownEntry(draft, event.data.partnerId).sharedTenantId = event.data.tenantId;
}

/**
 * Counts a usage record once: false when the partner's usage id was counted before (a record
 * delivered twice is billed once, and the partner's state keeps the first, too).
 */
export function countUsage(draft: LedgerDraft, event: EventOf<'UsageRecorded'>): boolean {
  const { usageIds } = ownEntry(draft, event.data.partnerId);
  const counted = usageIds.size;
  return usageIds.add(event.data.usageId).size > counted;
}

export const sharedTenantOf = (draft: LedgerDraft, partnerId: string): string | null =>
  draft.partners.get(partnerId)?.sharedTenantId ?? null;

/** The finished ledger; the draft is not written again. */
export const settle = (draft: LedgerDraft): Ledger => draft.partners;
