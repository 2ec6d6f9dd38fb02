import { currentVersion, type EventType, type RoleName } from 'apss-domain';

/** Raw records as a log holds them: plain JSON objects, written out by hand the way a test reads best. */

type Written = { at?: string; role?: RoleName; actor?: string; schemaVersion?: number };

let clock = Date.parse('2020-01-01T09:00:00Z');
/** A fresh instant a minute after the previous one. */
export const next = (): string => new Date((clock += 60_000)).toISOString();

export function record(
  type: EventType,
  data: Record<string, unknown>,
  written: Written = {},
): Record<string, unknown> {
  const role = written.role ?? (type === 'UsageRecorded' ? 'System' : 'AdminAgent');
  return {
    type,
    data: { partnerId: 'p1', ...data },
    metadata: {
      actor: { id: written.actor ?? `${role.toLowerCase()}-1`, role },
      at: written.at ?? next(),
      schemaVersion: written.schemaVersion ?? currentVersion[type],
    },
  };
}

/** What CreateSharedTenant records: the tenant, then its first subscription. */
export const tenantOf = (
  partnerId: string,
  tenantId = `${partnerId}-t`,
  subscriptionId = `${partnerId}-s1`,
  written: Written = {},
) => {
  const at = written.at ?? next();
  return [
    record('SharedTenantCreated', { partnerId, tenantId }, { ...written, at }),
    record(
      'ApssSubscriptionPurchased',
      { partnerId, tenantId, subscriptionId, subscriptionName: 'Azure - Internal/Shared Services' },
      { ...written, at },
    ),
  ];
};

export const usageOf = (
  partnerId: string,
  subscriptionId: string,
  usageId: string,
  usageDate: string,
  written: Written = {},
) =>
  record(
    'UsageRecorded',
    {
      partnerId,
      subscriptionId,
      usageId,
      usageDate,
      meterCategory: 'Virtual Machines',
      meterName: 'D2s v3',
      quantity: 24,
      unitPrice: 0.096,
      currency: 'EUR',
    },
    written,
  );

export const deploymentOf = (
  partnerId: string,
  subscriptionId: string,
  deploymentId: string,
  pricing: 'byol' | 'free' | 'paid',
  channel: 'marketplace' | 'isv-direct',
  written: Written = {},
) =>
  record(
    'MarketplaceOfferDeployed',
    {
      partnerId,
      subscriptionId,
      deploymentId,
      offerId: 'fortigate',
      publisherId: 'fortinet',
      pricing,
      channel,
    },
    written,
  );

export const serviceOf = (partnerId: string, tenantId: string, serviceId: string, written: Written = {}) =>
  record('ServiceProvisioned', { partnerId, tenantId, serviceId, product: 'Office365' }, written);

/** An async iterable that hands out records one at a time and remembers how many it was asked for. */
export function pulled(
  records: readonly unknown[],
): AsyncIterable<unknown> & { readonly handedOut: () => number } {
  let handedOut = 0;
  return {
    handedOut: () => handedOut,
    async *[Symbol.asyncIterator]() {
      for (const r of records) {
        handedOut += 1;
        await Promise.resolve();
        yield r;
      }
    },
  };
}
