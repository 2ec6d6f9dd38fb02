import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { match } from 'ts-pattern';
import {
  currentVersion,
  type DomainEvent,
  type EventMetadata,
  type EventOf,
  type EventType,
} from '../events/codecs.js';
import { DEFAULT_SUBSCRIPTION_NAME } from '../events/data.js';
import { firstViolation } from '../policies/admissibility.js';
import { compileRules, defaultRules, type RuleSet } from '../policies/ruleSet.js';
import { decodeCommand, type Command } from './commands.js';
import { evolve, fold } from './evolve.js';
import type { Rejection } from './rejection.js';
import { initialState, isPartnerState, type PartnerState } from './state.js';

/**
 * The events a command would record, before any rule has looked at them (what a log holds when a
 * command was carried out regardless). A malformed command is INVALID_COMMAND.
 */
export function propose(command: Command): E.Either<Rejection, readonly DomainEvent[]> {
  const decoded = decodeCommand(command);
  return E.isLeft(decoded) ? decoded : E.right(eventsOf(decoded.right));
}

function eventsOf(command: Command): readonly DomainEvent[] {
  const { actor, at, commandId, correlationId } = command.metadata;
  const metadata = (type: EventType): EventMetadata => ({
    actor,
    at,
    schemaVersion: currentVersion[type],
    ...(commandId === undefined ? {} : { causationId: commandId }),
    ...((correlationId ?? commandId) === undefined ? {} : { correlationId: correlationId ?? commandId }),
  });
  const event = <K extends EventType>(type: K, data: EventOf<K>['data']): DomainEvent =>
    ({ type, data, metadata: metadata(type) }) as DomainEvent;
  return match(command)
    .returnType<readonly DomainEvent[]>()
    .with({ type: 'CreateSharedTenant' }, ({ data }) => [
      event('SharedTenantCreated', { partnerId: data.partnerId, tenantId: data.tenantId }),
      event('ApssSubscriptionPurchased', {
        ...data,
        subscriptionName: data.subscriptionName ?? DEFAULT_SUBSCRIPTION_NAME,
      }),
    ])
    .with({ type: 'PurchaseApss' }, ({ data }) => [
      event('ApssSubscriptionPurchased', {
        ...data,
        subscriptionName: data.subscriptionName ?? DEFAULT_SUBSCRIPTION_NAME,
      }),
    ])
    .with({ type: 'CancelSubscription' }, ({ data }) => [event('SubscriptionCancelled', data)])
    .with({ type: 'MigrateToWebDirect' }, ({ data }) => [event('SubscriptionMigratedToWebDirect', data)])
    .with({ type: 'BuyReservedInstance' }, ({ data }) => [event('ReservedInstancePurchased', data)])
    .with({ type: 'DeployMarketplaceOffer' }, ({ data }) => [event('MarketplaceOfferDeployed', data)])
    .with({ type: 'ProvisionService' }, ({ data }) => [event('ServiceProvisioned', data)])
    .with({ type: 'RecordUsage' }, ({ data }) => [event('UsageRecorded', data)])
    .exhaustive();
}

const invalid = (message: string): E.Either<Rejection, never> => E.left({ code: 'INVALID_COMMAND', message });

/**
 * The events a command records in this state, or why it is refused: the command's events are
 * proposed, then every rule judges each of them in turn (the first broken rule names the rejection).
 * Any value may be passed; a malformed command is INVALID_COMMAND, never an exception.
 */
export function decide(
  command: Command,
  state: PartnerState,
  rules: RuleSet = defaultRules,
): E.Either<Rejection, readonly DomainEvent[]> {
  const decoded = decodeCommand(command);
  return E.isLeft(decoded) ? decoded : decideDecoded(decoded.right, state, rules);
}

function decideDecoded(
  command: Command,
  state: PartnerState,
  rules: RuleSet,
): E.Either<Rejection, readonly DomainEvent[]> {
  const compiled = compileRules(rules);
  if (E.isLeft(compiled)) return invalid(compiled.left);
  if (!isPartnerState(state))
    return invalid('invalid state: expected a PartnerState (initialState, fold or evolve make one)');
  const events = eventsOf(command);
  let current = state;
  for (const [index, event] of events.entries()) {
    const refused = firstViolation(current, event, compiled.right);
    if (O.isSome(refused)) return E.left(refused.value);
    if (index < events.length - 1) current = evolve(current, event);
  }
  return E.right(events);
}

/** Decode a command, fold the partner's history, decide. */
export function handle(
  history: Iterable<DomainEvent>,
  command: unknown,
  rules: RuleSet = defaultRules,
): E.Either<Rejection, readonly DomainEvent[]> {
  const decoded = decodeCommand(command);
  if (E.isLeft(decoded)) return decoded;
  return decideDecoded(decoded.right, fold(history, initialState), rules);
}
