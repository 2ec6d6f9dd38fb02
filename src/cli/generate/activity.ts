import type { Command } from '../../domain/commands.js';
import { utcDayOf } from '../../lib/time.js';
import { billingSystem, command, nextId, staffMember, type Partner } from './partner.js';
import type { Random } from './random.js';

/** What a live partner does next, in proportions like a real log's: mostly the billing system's usage. */
type Activity = 'usage' | 'reservation' | 'deployment' | 'purchase' | 'service' | 'cancel' | 'migrate';

const ACTIVITIES: readonly (readonly [Activity, number])[] = [
  ['usage', 820],
  ['reservation', 40],
  ['deployment', 40],
  ['purchase', 30],
  ['service', 30],
  ['cancel', 25],
  ['migrate', 15],
];

const METERS = [
  { category: 'Virtual Machines', name: 'D2s v3', price: 0.096 },
  { category: 'Virtual Machines', name: 'B2ms', price: 0.0832 },
  { category: 'Storage', name: 'LRS Data Stored', price: 0.0184 },
  { category: 'Bandwidth', name: 'Data Transfer Out', price: 0.087 },
  { category: 'SQL Database', name: 'S0 DTUs', price: 0.0202 },
  { category: 'Azure App Service', name: 'S1 App Service Hours', price: 0.1 },
] as const;

const SKUS = ['Standard_D2s_v3', 'Standard_B2ms', 'Standard_E4s_v3', 'Standard_F4s_v2'] as const;
const REGIONS = ['westeurope', 'northeurope', 'eastus', 'uksouth'] as const;
const OFFERS = [
  { offerId: 'fortigate-byol', publisherId: 'fortinet', pricing: 'byol' },
  { offerId: 'ubuntu-server', publisherId: 'canonical', pricing: 'free' },
  { offerId: 'veeam-backup-byol', publisherId: 'veeam', pricing: 'byol' },
  { offerId: 'jenkins', publisherId: 'bitnami', pricing: 'free' },
] as const;
const PRODUCTS = ['Office365', 'Dynamics365', 'Other'] as const;

/** The Marketplace cutoff of the default rules, as milliseconds. */
export const CUTOFF_MS = Date.parse('2019-03-01T00:00:00Z');

export function usage(
  partner: Partner,
  random: Random,
  subscriptionId: string,
  usageDate: string,
  at: string,
) {
  const meter = random.pick(METERS);
  return command(
    'RecordUsage',
    {
      partnerId: partner.id,
      subscriptionId,
      usageId: nextId(partner, 'usage'),
      usageDate,
      meterCategory: meter.category,
      meterName: meter.name,
      quantity: random.between(1, 2_400_000) / 10_000,
      unitPrice: meter.price,
      currency: partner.currency,
    },
    billingSystem,
    at,
  );
}

/** Usage of an active subscription on the day it happens, or now and then late usage of an ended one. */
function someUsage(partner: Partner, random: Random, at: string, now: number): Command {
  if (partner.ended.length > 0 && random.chance(0.03)) {
    const subscriptionId = random.pick(partner.ended);
    const endedAt = partner.state.subscriptions.get(subscriptionId)?.endedAt ?? at;
    return usage(partner, random, subscriptionId, utcDayOf(endedAt), at);
  }
  return usage(partner, random, random.pick(partner.active), new Date(now).toISOString().slice(0, 10), at);
}

export function reservation(partner: Partner, random: Random, subscriptionId: string, at: string) {
  return command(
    'BuyReservedInstance',
    {
      partnerId: partner.id,
      subscriptionId,
      reservationId: nextId(partner, 'reservation'),
      sku: random.pick(SKUS),
      region: random.pick(REGIONS),
      term: random.chance(0.7) ? 'P1Y' : 'P3Y',
      scope: random.chance(0.6) ? 'single' : 'shared',
      quantity: random.between(1, 8),
    },
    staffMember(partner, random),
    at,
  );
}

/** An offer deployed the way the rules allow at that time: through the Marketplace before the cutoff, from the ISV after it. */
function deployment(partner: Partner, random: Random, at: string, now: number) {
  const offer = random.pick(OFFERS);
  return command(
    'DeployMarketplaceOffer',
    {
      partnerId: partner.id,
      subscriptionId: random.pick(partner.active),
      deploymentId: nextId(partner, 'deployment'),
      offerId: offer.offerId,
      publisherId: offer.publisherId,
      pricing: offer.pricing,
      channel: now < CUTOFF_MS ? 'marketplace' : 'isv-direct',
    },
    staffMember(partner, random),
    at,
  );
}

export const provision = (partner: Partner, random: Random, tenantId: string, at: string) =>
  command(
    'ProvisionService',
    {
      partnerId: partner.id,
      tenantId,
      serviceId: nextId(partner, 'service'),
      product: random.pick(PRODUCTS),
    },
    staffMember(partner, random),
    at,
  );

/** A customer tenant of the partner's: a new one now and then, otherwise one it has. */
export const customerTenant = (partner: Partner, random: Random): string =>
  partner.customerTenants.length === 0 || random.chance(0.3)
    ? nextId(partner, 'tenant')
    : random.pick(partner.customerTenants);

/** The command a live partner (or its billing system) issues next; the rules admit every one of them. */
export function nextActivity(partner: Partner, random: Random, at: string, now: number): Command {
  const activity = random.weighted(ACTIVITIES);
  const { id: partnerId, active } = partner;
  const sharedTenant = partner.state.sharedTenantId as string;
  switch (activity) {
    case 'reservation':
      return reservation(partner, random, random.pick(active), at);
    case 'deployment':
      return deployment(partner, random, at, now);
    case 'purchase':
      return command(
        'PurchaseApss',
        {
          partnerId,
          tenantId: sharedTenant,
          subscriptionId: nextId(partner, 'subscription'),
          ...(random.chance(0.5)
            ? {}
            : { subscriptionName: `Shared services ${partner.counters.subscription}` }),
        },
        staffMember(partner, random),
        at,
      );
    case 'service':
      return provision(partner, random, customerTenant(partner, random), at);
    case 'cancel':
    case 'migrate': {
      // A partner keeps at least one active subscription, so that it always has something to use.
      if (active.length < 2) return someUsage(partner, random, at, now);
      const subscriptionId = random.pick(active);
      return activity === 'cancel'
        ? command('CancelSubscription', { partnerId, subscriptionId }, staffMember(partner, random), at)
        : command(
            'MigrateToWebDirect',
            { partnerId, subscriptionId, webDirectSubscriptionId: `wd-${subscriptionId}` },
            staffMember(partner, random),
            at,
          );
    }
    case 'usage':
      return someUsage(partner, random, at, now);
  }
}
