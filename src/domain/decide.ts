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
import { firstViolation, ruleRank } from '../policies/admissibility.js';
import type { Violation } from '../policies/rules.js';
import { compileRules, defaultRules, type RuleSet } from '../policies/ruleSet.js';
import { decodeCommand, type Command } from './commands.js';
import { applyEvent, evolve } from '../state/evolve.js';
import type { Rejection } from '../policies/rejection.js';
import {
  emptyState,
  freezeState,
  initialState,
  type MutablePartnerState,
  type PartnerState,
} from '../state/state.js';
import { decodeEvent } from '../events/decode.js';
import { isIterable, preview } from '../lib/codec.js';
import { inUtc } from '../lib/time.js';

/**
 * The events a command would record, before any rule has looked at them (what a log holds when a
 * command was carried out regardless). The command is one decodeCommand gave.
 */
export function propose(command: Command): readonly DomainEvent[] {
  const { actor, commandId, correlationId } = command.metadata;
  const at = inUtc(command.metadata.at);
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
 * proposed, then every rule judges each of them in turn (the first broken rule in the table's order
 * names the rejection).
 * It trusts its types: the command is one decodeCommand gave (instants in UTC), the state one that
 * initialState, evolve or fold made; raw input goes to `handle` or through decodeCommand first. The
 * rule set is checked once per object (its type does not say its cutoff is in UTC): a rule set that
 * does not decode is INVALID_COMMAND.
 */
export function decide(
  command: Command,
  state: PartnerState,
  rules: RuleSet = defaultRules,
): E.Either<Rejection, readonly DomainEvent[]> {
  const compiled = compileRules(rules);
  if (E.isLeft(compiled)) return invalid(compiled.left);
  const events = propose(command);
  // One input, however many events it records: of what its events break (each judged on the state
  // the ones before it leave, as an audit judges them), the first rule in the table's order.
  let refused: Violation | undefined;
  let current = state;
  for (const [index, event] of events.entries()) {
    const broken = firstViolation(current, event, compiled.right);
    if (O.isSome(broken) && (refused === undefined || ruleRank(broken.value) < ruleRank(refused)))
      refused = broken.value;
    if (index < events.length - 1) current = evolve(current, event);
  }
  return refused === undefined ? E.right(events) : E.left(refused);
}

/** Why a history handed to `handle` cannot be folded: INVALID_COMMAND, details naming the entry's fields. */
const invalidHistory = (reason: string, details: readonly string[]): E.Either<Rejection, never> =>
  E.left({ code: 'INVALID_COMMAND', message: `invalid history: ${reason}`, details });

/** The history's entries one by one, each a result or the Error that stopped the iteration. */
type Entries = { next(): IteratorResult<unknown> | Error; close(): void };

/**
 * An iterable's own method may throw for a plain value (an object that only inherits from
 * Set.prototype has no set to iterate): that is an answer about the history, not an exception.
 */
function entriesOf(history: Iterable<unknown>): Entries {
  let iterator: Iterator<unknown> | undefined;
  return {
    next() {
      try {
        iterator ??= history[Symbol.iterator]();
        const result: unknown = iterator.next();
        return typeof result === 'object' && result !== null
          ? (result as IteratorResult<unknown>)
          : new Error(`its iterator answered ${preview(result)}, not an iterator result`);
      } catch (error) {
        return error instanceof Error ? error : new Error(preview(error));
      }
    },
    // As for...of does when it stops early: a source reading from somewhere may let go of it.
    close() {
      try {
        iterator?.return?.();
      } catch {
        // The history is refused already; how its source fails to close changes nothing.
      }
    },
  };
}

/**
 * The state after a history from outside: every entry is decoded as the audit decodes a record (and
 * upcast); the first that is not an event, or is another partner's than the entries before it, is
 * the rejection, and nothing of it is applied.
 */
function historyState(history: unknown): E.Either<Rejection, PartnerState> {
  if (!isIterable(history))
    return invalidHistory(`must be an iterable of events (got ${preview(history)})`, ['history']);
  const entries = entriesOf(history);
  let draft: MutablePartnerState | undefined;
  for (let index = 0; ; index++) {
    const entry = entries.next();
    if (entry instanceof Error)
      return invalidHistory(`could not be iterated after ${index} entries: ${entry.message}`, ['history']);
    if (entry.done === true) break;
    const event = decodeEvent(entry.value);
    if (E.isLeft(event)) {
      entries.close();
      const at = `history[${index}]`;
      return invalidHistory(
        `${at} is a ${event.left.message}`,
        event.left.details.map((path) => (path === '(root)' ? at : `${at}.${path}`)),
      );
    }
    draft ??= emptyState();
    const { partnerId } = event.right.data;
    if (draft.partnerId !== null && partnerId !== draft.partnerId) {
      entries.close();
      // R1: what happened to another partner is never applied to this one's state.
      return E.left({
        code: 'PARTNER_MISMATCH',
        message: `invalid history: history[${index}] is an event of partner ${partnerId}, and the events before it are of partner ${draft.partnerId}: a history holds one partner's events`,
        details: [`history[${index}].data.partnerId`],
      });
    }
    applyEvent(draft, event.right);
  }
  return E.right(draft === undefined ? initialState : freezeState(draft));
}

/**
 * Decode the command and the partner's history (both may come from outside), fold, decide. A
 * malformed command, or a history entry that is not an event, is INVALID_COMMAND: for the history
 * `details` name the entry's offending fields as `history[3].data.partnerId`. A history that mixes
 * partners is PARTNER_MISMATCH, naming the first entry of another partner.
 */
export function handle(
  history: Iterable<unknown>,
  command: unknown,
  rules: RuleSet = defaultRules,
): E.Either<Rejection, readonly DomainEvent[]> {
  const decoded = decodeCommand(command);
  if (E.isLeft(decoded)) return decoded;
  const state = historyState(history);
  return E.isLeft(state) ? state : decide(decoded.right, state.right, rules);
}
