import * as E from 'fp-ts/lib/Either.js';
import type { Command } from '../../domain/commands.js';
import { decide } from '../../domain/decide.js';
import { applyEvent } from '../../state/evolve.js';
import type { DomainEvent } from '../../events/codecs.js';
import { compileRules, defaultRules, type CompiledRules } from '../../policies/ruleSet.js';
import { customerTenant, nextActivity, provision } from './activity.js';
import { command, newPartner, nextId, sharedTenantOf, staffMember, track, type Partner } from './partner.js';
import { Random } from './random.js';
import { InjectionPlan, type Scene } from './violations.js';
import { asWritten } from './written.js';

export type LogOptions = {
  readonly partners: number;
  readonly events: number;
  readonly seed: string;
  readonly violations: number;
};

const START_MS = Date.parse('2018-01-01T00:00:00Z');
const END_MS = Date.parse('2021-12-31T23:59:59Z');

/** The default rules, compiled once for the injections to consult. */
function compiledDefaults(): CompiledRules {
  const rules = compileRules(defaultRules);
  if (E.isLeft(rules)) throw new Error(rules.left);
  return rules.right;
}

/** One generated log as it is written: the clock, the partners by phase, what is written and injected. */
export class LogRun implements Scene {
  /** The lines the last step wrote, for the generator to hand out and clear. */
  readonly lines: string[] = [];
  readonly random: Random;
  private readonly partners: Partner[];
  private readonly livePartners: Partner[] = [];
  /** Partners that are customers, each due to create its shared tenant at a line number (in order). */
  private readonly customers: { partner: Partner; due: number }[] = [];
  private customerHead = 0;
  private customerCount = 0;
  /** Partners holding a shared tenant without a subscription (only after an injected violation). */
  private readonly tenantOnly: Partner[] = [];
  private readonly plan = new InjectionPlan();
  private readonly rules = compiledDefaults();
  private readonly step: number;
  private readonly customerGap: number;
  private nextToJoin = 0;
  private unjoined: number;
  private written = 0;
  private injected = 0;
  private readonly clock = { now: START_MS, at: new Date(START_MS).toISOString() };

  constructor(private readonly options: LogOptions) {
    const { partners, events, seed } = options;
    const random = new Random(seed);
    const width = Math.max(3, String(partners).length);
    this.random = random;
    this.partners = Array.from({ length: partners }, (_, index) => newPartner(index, width, random));
    this.unjoined = partners;
    this.step = Math.max(1, Math.floor((END_MS - START_MS) / events));
    this.customerGap = Math.max(1, Math.floor(events / (2 * partners)));
  }

  get done(): boolean {
    return this.written >= this.options.events;
  }

  /** Moves the clock on, then writes the next step: an injection due, a partner joining, or activity. */
  writeNext(): void {
    this.clock.now += 1 + this.random.below(2 * this.step);
    this.clock.at = new Date(this.clock.now).toISOString();
    // Forced: only just enough lines are left for the partners still to join and the violations still due.
    const forced = this.options.events - this.written <= this.reserved();
    if (!this.injectDue(forced) && !this.join(forced || this.livePartners.length === 0)) {
      const partner = this.random.pick(this.livePartners);
      this.decided(partner, nextActivity(partner, this.random, this.at, this.now));
    }
  }

  /** Fails loudly if the log ended before every partner joined and every violation was injected. */
  checkComplete(): void {
    const { violations } = this.options;
    if (this.unjoined !== 0 || this.injected !== violations)
      throw new Error(
        `generator bug: ${this.unjoined} partners not joined, ${this.injected} of ${violations} violations injected`,
      );
  }

  // The scene the injections draw from: the clock, and the partners they may pick.
  get at(): string {
    return this.clock.at;
  }
  get now(): number {
    return this.clock.now;
  }
  live(): Partner | undefined {
    return this.livePartners.length === 0 ? undefined : this.random.pick(this.livePartners);
  }
  beforeTenant(): Partner | undefined {
    return this.pendingCustomer() ?? this.partners[this.nextToJoin];
  }
  customer(): Partner | undefined {
    return this.pendingCustomer();
  }

  /** Lines still needed to make every partner live and to inject the violations left. */
  private reserved(): number {
    const { partners, violations } = this.options;
    const toJoin = 2 * (partners - this.nextToJoin) + 2 * this.customerCount + this.tenantOnly.length;
    return toJoin + (violations - this.injected);
  }

  private write(partner: Partner, event: DomainEvent): void {
    applyEvent(partner.state, event);
    track(partner, event);
    this.lines.push(JSON.stringify(asWritten(event)));
    this.written += 1;
  }

  private decided(partner: Partner, cmd: Command): void {
    const result = decide(cmd, partner.state, defaultRules);
    if (E.isLeft(result))
      throw new Error(`generator bug: ${cmd.type} for ${partner.id} was refused: ${result.left.message}`);
    for (const event of result.right) this.write(partner, event);
  }

  private becomeLive(partner: Partner): void {
    partner.phase = 'live';
    this.livePartners.push(partner);
    this.unjoined -= 1;
  }

  private createTenant(partner: Partner): void {
    const data = {
      partnerId: partner.id,
      tenantId: sharedTenantOf(partner),
      subscriptionId: nextId(partner, 'subscription'),
    };
    this.decided(partner, command('CreateSharedTenant', data, staffMember(partner, this.random), this.at));
    this.becomeLive(partner);
  }

  /** The first customer partner still without a shared tenant, if any. */
  private pendingCustomer(): Partner | undefined {
    const { customers } = this;
    while (this.customerHead < customers.length && customers[this.customerHead]?.partner.phase !== 'customer')
      this.customerHead += 1;
    return customers[this.customerHead]?.partner;
  }

  /** Brings the next partner that is due (or, when forced, any partner) one step closer to being live. */
  private join(forced: boolean): boolean {
    return this.tenantOnlyBuys() || this.customerJoins(forced) || this.nextJoins(forced);
  }

  /** A partner left with a shared tenant only buys its subscription. */
  private tenantOnlyBuys(): boolean {
    const tenant = this.tenantOnly.shift();
    if (tenant === undefined) return false;
    const data = {
      partnerId: tenant.id,
      tenantId: tenant.state.sharedTenantId as string,
      subscriptionId: nextId(tenant, 'subscription'),
    };
    this.decided(tenant, command('PurchaseApss', data, staffMember(tenant, this.random), this.at));
    this.becomeLive(tenant);
    return true;
  }

  /** The first customer partner takes up APSS when its time has come (or at once, when forced). */
  private customerJoins(forced: boolean): boolean {
    const customer = this.pendingCustomer();
    if (customer === undefined) return false;
    if (!forced && (this.customers[this.customerHead]?.due ?? 0) > this.written) return false;
    this.customerHead += 1;
    this.customerCount -= 1;
    this.createTenant(customer);
    return true;
  }

  /** The next partner appears in the log when its time has come (or at once, when forced). */
  private nextJoins(forced: boolean): boolean {
    const partner = this.partners[this.nextToJoin];
    if (partner === undefined || (!forced && this.joinDue(this.nextToJoin) > this.written)) return false;
    this.nextToJoin += 1;
    if (!forced && partner.phase === 'waiting' && this.random.chance(1 / 3)) this.serveCustomers(partner);
    else this.createTenant(partner);
    return true;
  }

  /** A CSP partner that serves customers first and takes up APSS later. */
  private serveCustomers(partner: Partner): void {
    this.decided(partner, provision(partner, this.random, customerTenant(partner, this.random), this.at));
    partner.phase = 'customer';
    this.customerCount += 1;
    this.customers.push({ partner, due: this.written + this.customerGap });
  }

  /** The line from which the partner of this index may join: partners join over the first half of the log. */
  private joinDue(index: number): number {
    return Math.floor((index * this.options.events) / (2 * this.options.partners));
  }

  /** Writes the next violation when it is due (or at once, when forced), if the scene allows one. */
  private injectDue(forced: boolean): boolean {
    const { violations, events } = this.options;
    if (this.injected >= violations) return false;
    if (!forced && this.written < Math.floor(((this.injected + 1) * events) / (violations + 1))) return false;
    const injection = this.plan.next(this, this.rules);
    if (injection === undefined) return false;
    const { partner, event } = injection;
    this.write(partner, event);
    this.injected += 1;
    if (partner.phase === 'customer' && partner.state.sharedTenantId !== null) {
      partner.phase = 'tenant';
      this.customerCount -= 1;
      this.tenantOnly.push(partner);
    }
    return true;
  }
}
