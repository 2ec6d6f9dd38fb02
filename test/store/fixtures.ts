import type { DomainEvent } from 'apss-domain';

// Small builders of events and commands for the store tests: every one is well formed.

export const admin = { id: 'alice', role: 'AdminAgent' } as const;
export const billing = { id: 'billing', role: 'System' } as const;

/** An instant `minute` minutes after 2020-01-01T00:00Z, in the UTC form the codecs decode to. */
export const minute = (n: number): string => new Date(Date.UTC(2020, 0, 1, 0, n)).toISOString();

export const tenantCreated = (partnerId: string, tenantId = 'tenant-1', at = minute(0)): DomainEvent => ({
  type: 'SharedTenantCreated',
  data: { partnerId, tenantId },
  metadata: { actor: admin, at, schemaVersion: 1 },
});

export const subscriptionPurchased = (
  partnerId: string,
  subscriptionId: string,
  at = minute(1),
  tenantId = 'tenant-1',
): DomainEvent => ({
  type: 'ApssSubscriptionPurchased',
  data: { partnerId, tenantId, subscriptionId, subscriptionName: 'Azure - Internal/Shared Services' },
  metadata: { actor: admin, at, schemaVersion: 2 },
});

export const usageRecorded = (
  partnerId: string,
  subscriptionId: string,
  usageId: string,
  at = minute(2),
): DomainEvent => ({
  type: 'UsageRecorded',
  data: {
    partnerId,
    subscriptionId,
    usageId,
    usageDate: at.slice(0, 10),
    meterCategory: 'Virtual Machines',
    meterName: 'D2 v3',
    quantity: 1.5,
    unitPrice: 0.1,
    currency: 'EUR',
  },
  metadata: { actor: billing, at, schemaVersion: 1 },
});

/** `count` distinct usage events of one partner (any content will do where only the count matters). */
export const usageEvents = (partnerId: string, count: number, prefix = 'u'): DomainEvent[] =>
  Array.from({ length: count }, (_, i) => usageRecorded(partnerId, 'sub-1', `${prefix}-${i + 1}`));

export const createSharedTenant = (partnerId: string, tenantId = 'tenant-1', subscriptionId = 'sub-1') => ({
  type: 'CreateSharedTenant',
  data: { partnerId, tenantId, subscriptionId },
  metadata: { actor: admin, at: minute(10) },
});

export const purchaseApss = (partnerId: string, subscriptionId: string, tenantId = 'tenant-1') => ({
  type: 'PurchaseApss',
  data: { partnerId, tenantId, subscriptionId },
  metadata: { actor: admin, at: minute(20) },
});

export const recordUsage = (partnerId: string, subscriptionId: string, usageId: string) => ({
  type: 'RecordUsage',
  data: {
    partnerId,
    subscriptionId,
    usageId,
    usageDate: '2020-01-01',
    meterCategory: 'Storage',
    meterName: 'LRS',
    quantity: 2,
    unitPrice: 0.25,
    currency: 'EUR',
  },
  metadata: { actor: billing, at: minute(30) },
});

/** A stream id no other test uses. */
let streams = 0;
export const freshStream = (label = 'stream'): string =>
  `${label}-${process.pid}-${Date.now().toString(36)}-${++streams}`;

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
