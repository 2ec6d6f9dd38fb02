// bench/fold: fold() over 1,000,000 events of one partner against a hand-written mutable loop that
// makes the same state updates on plain objects. Target: fold at least 0.5x the loop's events/s.
import { IdSet, fold } from '../dist/index.js';
import { usageData } from './_usage.mjs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const TARGET = 0.5;
const ROUNDS = 5;

/** One partner's log: 2% purchases, 2% RIs, 2% deployments, 1% services, 1% cancellations, the rest usage. */
function generate(count) {
  let ms = Date.parse('2018-01-01T00:00:00Z');
  const partnerId = 'p1';
  const subscriptions = [];
  const event = (type, data, role = 'AdminAgent') => ({
    type,
    data: { partnerId, ...data },
    metadata: { actor: { id: 'bench', role }, at: new Date((ms += 1000)).toISOString(), schemaVersion: 1 },
  });
  const some = (i) => subscriptions[i % subscriptions.length];
  const purchase = () => {
    const subscriptionId = `s${subscriptions.length}`;
    subscriptions.push(subscriptionId);
    return event('ApssSubscriptionPurchased', { tenantId: 't1', subscriptionId, subscriptionName: 'Dev' });
  };
  const reservation = (terms) => (i) =>
    event('ReservedInstancePurchased', { subscriptionId: some(i), reservationId: `r${i}`, ...terms });
  const deployment = (offer) => (i) =>
    event('MarketplaceOfferDeployed', {
      subscriptionId: some(i),
      deploymentId: `d${i}`,
      offerId: 'o',
      publisherId: 'pub',
      ...offer,
    });
  const byRoll = [
    purchase,
    purchase,
    reservation({ sku: 'D2s_v3', region: 'westeurope', term: 'P1Y', scope: 'shared', quantity: 1 }),
    reservation({ sku: 'E4s_v3', region: 'northeurope', term: 'P3Y', scope: 'single', quantity: 2 }),
    deployment({ pricing: 'byol', channel: 'isv-direct' }),
    deployment({ pricing: 'free', channel: 'marketplace' }),
    (i) => event('ServiceProvisioned', { tenantId: `t${i}`, serviceId: `svc${i}`, product: 'Office365' }),
    (i) => event('SubscriptionCancelled', { subscriptionId: some(i) }),
  ];
  const usage = (i) => event('UsageRecorded', usageData(some(i), `u${i}`), 'System');
  const events = [event('SharedTenantCreated', { tenantId: 't1' }), purchase()];
  for (let i = 0; events.length < count; i++) events.push((byRoll[i % 100] ?? usage)(i));
  return events;
}

/** The baseline: the same updates, a switch and plain mutable objects, nothing frozen. */
function mutableLoop(events) {
  const state = {
    partnerId: null,
    sharedTenantId: null,
    lastEventAt: null,
    version: 0,
    unattributedUsage: 0,
    subscriptions: new Map(),
    reservations: new Map(),
    deployments: new Map(),
    services: new Map(),
    usage: new IdSet(),
  };
  for (const { type, data, metadata } of events) {
    switch (type) {
      case 'SharedTenantCreated':
        state.sharedTenantId ??= data.tenantId;
        break;
      case 'ApssSubscriptionPurchased':
        if (!state.subscriptions.has(data.subscriptionId))
          state.subscriptions.set(data.subscriptionId, {
            subscriptionId: data.subscriptionId,
            tenantId: data.tenantId,
            subscriptionName: data.subscriptionName,
            status: 'active',
            purchasedAt: metadata.at,
            endedAt: null,
            webDirectSubscriptionId: null,
            firstUsageDay: null,
            lastUsageDay: null,
          });
        break;
      case 'SubscriptionCancelled': {
        const s = state.subscriptions.get(data.subscriptionId);
        if (s?.status === 'active') {
          s.status = 'cancelled';
          s.endedAt = metadata.at;
        }
        break;
      }
      case 'ReservedInstancePurchased':
        if (!state.reservations.has(data.reservationId))
          state.reservations.set(data.reservationId, { ...data, purchasedAt: metadata.at });
        break;
      case 'MarketplaceOfferDeployed':
        if (!state.deployments.has(data.deploymentId))
          state.deployments.set(data.deploymentId, { ...data, deployedAt: metadata.at });
        break;
      case 'ServiceProvisioned':
        if (!state.services.has(data.serviceId))
          state.services.set(data.serviceId, { ...data, provisionedAt: metadata.at });
        break;
      case 'UsageRecorded': {
        if (state.usage.has(data.usageId)) break;
        state.usage.add(data.usageId);
        const s = state.subscriptions.get(data.subscriptionId);
        if (s === undefined) state.unattributedUsage += 1;
        else {
          if (s.firstUsageDay === null || data.usageDate < s.firstUsageDay) s.firstUsageDay = data.usageDate;
          if (s.lastUsageDay === null || data.usageDate > s.lastUsageDay) s.lastUsageDay = data.usageDate;
        }
        break;
      }
    }
    state.partnerId ??= data.partnerId;
    state.lastEventAt = metadata.at;
    state.version += 1;
  }
  return state;
}

function best(run) {
  let fastest = Infinity;
  let result;
  for (let round = 0; round < ROUNDS; round++) {
    globalThis.gc?.();
    const start = process.hrtime.bigint();
    result = run();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return { seconds: fastest, result };
}

const events = generate(EVENTS);
const baseline = best(() => mutableLoop(events));
const measured = best(() => fold(events));
if (
  measured.result.version !== baseline.result.version ||
  measured.result.usage.size !== baseline.result.usage.size
)
  throw new Error('fold and the baseline disagree on the state');
const rate = (s) => Math.round(EVENTS / s);
const ratio = baseline.seconds / measured.seconds;
const fmt = (n) => n.toLocaleString('en-US');
console.log(
  `events:   ${fmt(EVENTS)} (one partner, ${fmt(measured.result.subscriptions.size)} subscriptions, ${fmt(measured.result.usage.size)} usage records)`,
);
console.log(`fold:     ${fmt(rate(measured.seconds))} events/s (best of ${ROUNDS}, frozen state)`);
console.log(`baseline: ${fmt(rate(baseline.seconds))} events/s (hand-written mutable loop)`);
console.log(`ratio:    ${ratio.toFixed(2)}x (target >= ${TARGET}x) ${ratio >= TARGET ? 'ok' : 'MISSED'}`);
process.exit(ratio >= TARGET ? 0 : 1);
