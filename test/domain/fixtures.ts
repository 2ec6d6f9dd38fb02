import * as E from 'fp-ts/lib/Either.js';
import {
  decide,
  defaultRules,
  fold,
  initialState,
  type Command,
  type CommandOf,
  type CommandType,
  type DomainEvent,
  type RoleName,
  type RuleSet,
} from 'apss-domain';
import {
  actorOf,
  fortigate,
  minutesFrom,
  reservationTerms,
  usualRole,
  vmDay,
  type Channel,
  type Pricing,
} from '../fixtures.js';

/** Commands as a test writes them: the data, and optionally when and by whom (the partner is p1). */
type CommandData<K extends CommandType> = Omit<CommandOf<K>['data'], 'partnerId'> & { partnerId?: string };
type When = { at?: string; role?: RoleName; actor?: string };

/** A fresh instant a minute after the previous one, later than every instant a test writes out. */
const next = minutesFrom('2022-01-01T09:00:00Z');

export function command<K extends CommandType>(type: K, data: CommandData<K>, when: When = {}): CommandOf<K> {
  return {
    type,
    data: { partnerId: 'p1', ...data },
    metadata: { actor: actorOf(when.role ?? usualRole(type), when.actor), at: when.at ?? next() },
  } as unknown as CommandOf<K>;
}

export const createTenant = (tenantId = 't1', subscriptionId = 's1', when?: When) =>
  command('CreateSharedTenant', { tenantId, subscriptionId }, when);
export const purchase = (subscriptionId: string, tenantId = 't1', when?: When) =>
  command('PurchaseApss', { tenantId, subscriptionId }, when);
export const cancel = (subscriptionId: string, when?: When) =>
  command('CancelSubscription', { subscriptionId }, when);
export const migrate = (subscriptionId: string, when?: When) =>
  command('MigrateToWebDirect', { subscriptionId, webDirectSubscriptionId: `wd-${subscriptionId}` }, when);
export const buyRi = (subscriptionId: string, reservationId = 'ri1', when?: When) =>
  command('BuyReservedInstance', { subscriptionId, reservationId, ...reservationTerms, quantity: 2 }, when);
export const deploy = (
  subscriptionId: string,
  pricing: Pricing,
  channel: Channel,
  when?: When,
  deploymentId = 'd1',
) =>
  command('DeployMarketplaceOffer', { subscriptionId, deploymentId, ...fortigate, pricing, channel }, when);
export const provision = (
  tenantId: string,
  product: 'Office365' | 'Dynamics365' | 'Azure' | 'Other' = 'Office365',
  serviceId = 'svc1',
  when?: When,
) => command('ProvisionService', { tenantId, serviceId, product }, when);
export const usage = (subscriptionId: string, usageDate: string, usageId = 'u1', when?: When) =>
  command('RecordUsage', { subscriptionId, usageId, usageDate, ...vmDay }, when);

/** The events of a history that the rules accept, command by command (a given must be admissible). */
export function history(commands: readonly Command[], rules: RuleSet = defaultRules): readonly DomainEvent[] {
  const events: DomainEvent[] = [];
  for (const c of commands) {
    const decision = decide(c, fold(events, initialState), rules);
    if (E.isLeft(decision))
      throw new Error(`the given history is refused at ${c.type}: ${decision.left.message}`);
    events.push(...decision.right);
  }
  return events;
}
