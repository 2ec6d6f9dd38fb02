import * as E from 'fp-ts/lib/Either.js';
import type { Command } from '../../domain/commands.js';
import { decide } from '../../domain/decide.js';
import { applyEvent } from '../../state/evolve.js';
import { instantMs } from '../../lib/time.js';
import { type DomainEvent } from '../../events/codecs.js';
import { DEFAULT_SUBSCRIPTION_NAME } from '../../events/data.js';
import { compileRules, defaultRules, type CompiledRules } from '../../policies/ruleSet.js';
import { CUTOFF_MS, customerTenant, nextActivity, provision } from './activity.js';
import { command, newPartner, nextId, sharedTenantOf, staffMember, track, type Partner } from './partner.js';
import { Random } from './random.js';
import { minimumEvents } from './size.js';
import { InjectionPlan, type Scene } from './violations.js';

export type LogOptions = {
  readonly partners: number;
  readonly events: number;
  readonly seed: string;
  readonly violations: number;
};

const START_MS = Date.parse('2018-01-01T00:00:00Z');
const END_MS = Date.parse('2021-12-31T23:59:59Z');

/**
 * Events as a log of those years holds them: written before the cutoff, a Marketplace deployment and a
 * purchase under the default name are in their first schema version, which an audit upcasts.
 */
function asWritten(event: DomainEvent): object {
  if (instantMs(event.metadata.at) >= CUTOFF_MS) return event;
  const metadata = { ...event.metadata, schemaVersion: 1 };
  if (event.type === 'MarketplaceOfferDeployed' && event.data.channel === 'marketplace') {
    const { channel: _, ...data } = event.data;
    return { type: event.type, data, metadata };
  }
  if (
    event.type === 'ApssSubscriptionPurchased' &&
    event.data.subscriptionName === DEFAULT_SUBSCRIPTION_NAME
  ) {
    const { subscriptionName: _, ...data } = event.data;
    return { type: event.type, data, metadata };
  }
  return event;
}

/**
 * A log of `events` NDJSON lines for `partners` partners over 2018-2021, deterministic in `seed`. Every
 * clean line is an event that `decide` produced from a command, applied to the partner's state as an
 * audit will apply it; `violations` lines are injected events that each break exactly one rule, cycling
 * through the rules. Partners join over the first half of the log; some start as CSP partners with
 * customer tenants only. Requires events >= minimumEvents(partners, violations).
 */
export function* generateLog(options: LogOptions): Generator<string, void, undefined> {
  const { partners: partnerCount, events: total, violations } = options;
  if (total < minimumEvents(partnerCount, violations))
    throw new RangeError(
      `a log of ${partnerCount} partners and ${violations} violations needs at least ${minimumEvents(partnerCount, violations)} events`,
    );
  const random = new Random(options.seed);
  const rules = compileRules(defaultRules);
  if (E.isLeft(rules)) throw new Error(rules.left);
  const compiled: CompiledRules = rules.right;
  const width = Math.max(3, String(partnerCount).length);
  const partners = Array.from({ length: partnerCount }, (_, index) => newPartner(index, width, random));
  const live: Partner[] = [];
  /** Partners that are customers, each due to create its shared tenant at a line number (in order). */
  const customers: { partner: Partner; due: number }[] = [];
  let customerHead = 0;
  let customerCount = 0;
  /** Partners holding a shared tenant without a subscription (only after an injected violation). */
  const tenantOnly: Partner[] = [];
  let nextToJoin = 0;
  let written = 0;
  let injected = 0;
  const plan = new InjectionPlan();
  let unjoined = partnerCount;
  const step = Math.max(1, Math.floor((END_MS - START_MS) / total));
  let now = START_MS;
  let at = new Date(now).toISOString();

  const joinDue = (index: number): number => Math.floor((index * total) / (2 * partnerCount));
  const customerGap = Math.max(1, Math.floor(total / (2 * partnerCount)));
  /** Lines still needed to make every partner live and to inject the violations left. */
  const reserved = (): number =>
    2 * (partnerCount - nextToJoin) + 2 * customerCount + tenantOnly.length + (violations - injected);

  const lines: string[] = [];
  const write = (partner: Partner, event: DomainEvent): void => {
    applyEvent(partner.state, event);
    track(partner, event);
    lines.push(JSON.stringify(asWritten(event)));
    written += 1;
  };
  const decided = (partner: Partner, cmd: Command): void => {
    const result = decide(cmd, partner.state, defaultRules);
    if (E.isLeft(result))
      throw new Error(`generator bug: ${cmd.type} for ${partner.id} was refused: ${result.left.message}`);
    for (const event of result.right) write(partner, event);
  };
  const becomeLive = (partner: Partner): void => {
    partner.phase = 'live';
    live.push(partner);
    unjoined -= 1;
  };
  const createTenant = (partner: Partner): void => {
    decided(
      partner,
      command(
        'CreateSharedTenant',
        {
          partnerId: partner.id,
          tenantId: sharedTenantOf(partner),
          subscriptionId: nextId(partner, 'subscription'),
        },
        staffMember(partner, random),
        at,
      ),
    );
    becomeLive(partner);
  };
  const pendingCustomer = (): Partner | undefined => {
    while (customerHead < customers.length && customers[customerHead]?.partner.phase !== 'customer')
      customerHead += 1;
    return customers[customerHead]?.partner;
  };
  const scene: Scene = {
    random,
    get at() {
      return at;
    },
    get now() {
      return now;
    },
    live: () => (live.length === 0 ? undefined : random.pick(live)),
    beforeTenant: () => pendingCustomer() ?? partners[nextToJoin],
    customer: () => pendingCustomer(),
  };

  /** Brings the next partner that is due (or, when forced, any partner) one step closer to being live. */
  const join = (forced: boolean): boolean => {
    const tenant = tenantOnly.shift();
    if (tenant !== undefined) {
      const cmd = command(
        'PurchaseApss',
        {
          partnerId: tenant.id,
          tenantId: tenant.state.sharedTenantId as string,
          subscriptionId: nextId(tenant, 'subscription'),
        },
        staffMember(tenant, random),
        at,
      );
      decided(tenant, cmd);
      becomeLive(tenant);
      return true;
    }
    const customer = pendingCustomer();
    if (customer !== undefined && (forced || (customers[customerHead]?.due ?? 0) <= written)) {
      customerHead += 1;
      customerCount -= 1;
      createTenant(customer);
      return true;
    }
    const partner = partners[nextToJoin];
    if (partner === undefined || (!forced && joinDue(nextToJoin) > written)) return false;
    nextToJoin += 1;
    if (!forced && partner.phase === 'waiting' && random.chance(1 / 3)) {
      // A CSP partner that serves customers first and takes up APSS later.
      decided(partner, provision(partner, random, customerTenant(partner, random), at));
      partner.phase = 'customer';
      customerCount += 1;
      customers.push({ partner, due: written + customerGap });
      return true;
    }
    createTenant(partner);
    return true;
  };

  const injectDue = (forced: boolean): boolean => {
    if (injected >= violations) return false;
    if (!forced && written < Math.floor(((injected + 1) * total) / (violations + 1))) return false;
    const injection = plan.next(scene, compiled);
    if (injection === undefined) return false;
    const { partner, event } = injection;
    write(partner, event);
    injected += 1;
    if (partner.phase === 'customer' && partner.state.sharedTenantId !== null) {
      partner.phase = 'tenant';
      customerCount -= 1;
      tenantOnly.push(partner);
    }
    return true;
  };

  while (written < total) {
    now += 1 + random.below(2 * step);
    at = new Date(now).toISOString();
    // Forced: only just enough lines are left for the partners still to join and the violations still due.
    const forced = total - written <= reserved();
    if (!injectDue(forced) && !join(forced || live.length === 0)) {
      const partner = random.pick(live);
      decided(partner, nextActivity(partner, random, at, now));
    }
    for (const line of lines) yield line;
    lines.length = 0;
  }
  if (unjoined !== 0 || injected !== violations)
    throw new Error(
      `generator bug: ${unjoined} partners not joined, ${injected} of ${violations} violations injected`,
    );
}
