import { currentVersion, type EventType, type RoleName } from 'apss-domain';
import {
  actorOf,
  fortigate,
  minutesFrom,
  usualRole,
  vmDay,
  type Channel,
  type Pricing,
} from '../fixtures.js';

/** Raw records as a log holds them: plain JSON objects, written out by hand the way a test reads best. */

type Written = { at?: string; role?: RoleName; actor?: string; schemaVersion?: number };

/** A fresh instant a minute after the previous one. */
const next = minutesFrom('2020-01-01T09:00:00Z');

export function record(
  type: EventType,
  data: Record<string, unknown>,
  written: Written = {},
): Record<string, unknown> {
  return {
    type,
    data: { partnerId: 'p1', ...data },
    metadata: {
      actor: actorOf(written.role ?? usualRole(type), written.actor),
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

/** Usage dated the day of a fresh instant unless told, recorded at the instant after it. */
export const usageOf = (
  partnerId: string,
  subscriptionId: string,
  usageId: string,
  usageDate = next().slice(0, 10),
  written: Written = {},
) => record('UsageRecorded', { partnerId, subscriptionId, usageId, usageDate, ...vmDay }, written);

export const deploymentOf = (
  partnerId: string,
  subscriptionId: string,
  deploymentId: string,
  pricing: Pricing,
  channel: Channel,
  written: Written = {},
) =>
  record(
    'MarketplaceOfferDeployed',
    { partnerId, subscriptionId, deploymentId, ...fortigate, pricing, channel },
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

/** A partner's shared tenant, then Office 365 provisioned on it: a SHARED_TENANT_EXCLUSIVE finding at line 3. */
export const officeOnSharedTenant = (partnerId: string, tenantId: string, subscriptionId: string) => [
  ...tenantOf(partnerId, tenantId, subscriptionId, { at: '2020-01-01T00:00:00Z' }),
  record(
    'ServiceProvisioned',
    { partnerId, tenantId, serviceId: 'o365', product: 'Office365' },
    { at: '2020-02-01T00:00:00Z' },
  ),
];
