// bench/fold: fold() over 1,000,000 events of one partner against a hand-written mutable loop that
// makes the same state updates on plain objects. Target: fold at least 0.5x the loop's events/s.
import { fold } from '../dist/index.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const TARGET = 0.5;
const ROUNDS = 5;

function generate(count) {
  const events = [];
  let ms = Date.parse('2018-01-01T00:00:00Z');
  const meta = (role = 'AdminAgent') => ({
    actor: { id: 'bench', role },
    at: new Date((ms += 1000)).toISOString(),
    schemaVersion: 1,
  });
  const p = 'p1';
  events.push({ type: 'SharedTenantCreated', data: { partnerId: p, tenantId: 't1' }, metadata: meta() });
  const subscriptions = [];
  for (let i = 0; events.length < count; i++) {
    const roll = i % 100;
    if (roll < 2 || subscriptions.length === 0) {
      const subscriptionId = `s${subscriptions.length}`;
      subscriptions.push(subscriptionId);
      events.push({
        type: 'ApssSubscriptionPurchased',
        data: { partnerId: p, tenantId: 't1', subscriptionId, subscriptionName: 'Dev' },
        metadata: meta(),
      });
    } else if (roll < 4) {
      events.push({
        type: 'ReservedInstancePurchased',
        data: {
          partnerId: p,
          subscriptionId: subscriptions[i % subscriptions.length],
          reservationId: `r${i}`,
          sku: 'D2s_v3',
          region: 'westeurope',
          term: 'P1Y',
          scope: 'shared',
          quantity: 1,
        },
        metadata: meta(),
      });
    } else if (roll < 6) {
      events.push({
        type: 'MarketplaceOfferDeployed',
        data: {
          partnerId: p,
          subscriptionId: subscriptions[i % subscriptions.length],
          deploymentId: `d${i}`,
          offerId: 'o',
          publisherId: 'pub',
          pricing: 'byol',
          channel: 'isv-direct',
        },
        metadata: meta(),
      });
    } else if (roll === 6) {
      events.push({
        type: 'ServiceProvisioned',
        data: { partnerId: p, tenantId: `t${i}`, serviceId: `svc${i}`, product: 'Office365' },
        metadata: meta(),
      });
    } else if (roll === 7 && subscriptions.length > 10) {
      events.push({
        type: 'SubscriptionCancelled',
        data: { partnerId: p, subscriptionId: subscriptions[i % subscriptions.length] },
        metadata: meta(),
      });
    } else {
      events.push({
        type: 'UsageRecorded',
        data: {
          partnerId: p,
          subscriptionId: subscriptions[i % subscriptions.length],
          usageId: `u${i}`,
          usageDate: '2019-01-01',
          meterCategory: 'VM',
          meterName: 'D2',
          quantity: 1,
          unitPrice: 0.1,
          currency: 'EUR',
        },
        metadata: meta('System'),
      });
    }
  }
  return events;
}

/** The baseline: the same updates, a switch and plain mutable objects, nothing frozen. */
function mutableLoop(events) {
  const state = {
    partnerId: null,
    sharedTenantId: null,
    lastEventAt: null,
    version: 0,
    subscriptions: new Map(),
    reservations: new Map(),
    deployments: new Map(),
    services: new Map(),
    usage: new Map(),
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
      case 'UsageRecorded':
        if (!state.usage.has(data.usageId))
          state.usage.set(data.usageId, {
            usageId: data.usageId,
            subscriptionId: data.subscriptionId,
            usageDate: data.usageDate,
          });
        break;
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
