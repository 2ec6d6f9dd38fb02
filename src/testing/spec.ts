import { AssertionError } from 'node:assert';
import { isDeepStrictEqual } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { isIterable, preview, struct } from '../lib/codec.js';
import { decodeCommand } from '../domain/commands.js';
import { apssDecider, DeciderOption } from '../domain/decider.js';
import { evolve, fold } from '../state/evolve.js';
import type { PartnerState } from '../state/state.js';
import type { Rejection, RejectionCode } from '../policies/rejection.js';
import type { DomainEvent } from '../events/codecs.js';
import { decodeEvent } from '../events/decode.js';
import { RuleSet } from '../policies/ruleSet.js';
import { readOptions } from './options.js';
import { formatLog, formatMessage } from './report.js';

/** How a spec decides: by these rules with the library's decider (default rules), or by a decider of yours. */
export const GivenOptions = struct(
  'GivenOptions',
  {},
  {
    rules: RuleSet,
    decider: DeciderOption,
  },
);
export type GivenOptions = t.TypeOf<typeof GivenOptions>;

/** What a command came to, and the assertions on it: each throws an AssertionError saying what came instead. */
export type Then = {
  /** The decision itself: the events, or the rejection. */
  readonly decision: E.Either<Rejection, readonly DomainEvent[]>;
  /**
   * Asserts the command was accepted, and with `expected` that it recorded exactly these events
   * (decoded as the givens are, so they may be written as records); answers the events recorded.
   */
  thenEvents(expected?: Iterable<unknown>): readonly DomainEvent[];
  /** Asserts the command was refused with this code; answers the rejection. */
  thenRejected(code: RejectionCode): Rejection;
};

export type Given = {
  /** The state the history leaves. */
  readonly state: PartnerState;
  /** Decides a command (decoded first, as `handle` does: a malformed one is INVALID_COMMAND) on that state. */
  when(command: unknown): Then;
};

/** The events of records, each decoded (and upcast) as the store and the audit decode them. */
function decodedEvents(where: string, records: Iterable<unknown>): DomainEvent[] {
  if (!isIterable(records))
    throw new TypeError(`${where} must be an iterable of events (got ${preview(records)})`);
  const events: DomainEvent[] = [];
  for (const record of records) {
    const event = decodeEvent(record);
    if (E.isLeft(event))
      throw new TypeError(
        `${where}[${events.length}] is not an event: ${event.left.message} (${event.left.details.join(', ')})`,
      );
    events.push(event.right);
  }
  return events;
}

const fail = (message: string, actual: unknown, expected: unknown): never => {
  throw new AssertionError({ message, actual, expected, operator: 'deepStrictEqual' });
};

/**
 * A given/when/then spec of the decider: given the events of a partner's history (records as a log
 * holds them: old schema versions are upcast, so legacy states are reachable), when a command comes,
 * then these events, or this rejection. It asserts without a test framework: a failed expectation is
 * an AssertionError, which every runner reports with what came instead.
 *
 *   given([tenantCreated, purchased]).when(cancel).thenEvents([cancelled]);
 *   given([]).when(purchase).thenRejected('NO_SHARED_TENANT');
 */
export function given(history: Iterable<unknown> = [], options?: GivenOptions): Given {
  const { rules, decider: own } = readOptions(GivenOptions, 'given', options);
  if (rules !== undefined && own !== undefined)
    throw new TypeError('given: invalid options: give rules or a decider, not both');
  const decider = own ?? apssDecider(rules);
  const events = decodedEvents('given: history', history);
  // One partner's history, as handle and handleCommand take it: they refuse another's event (R1).
  const partnerId = events[0]?.data.partnerId;
  const foreign = events.findIndex((event) => event.data.partnerId !== partnerId);
  if (foreign !== -1)
    throw new TypeError(
      `given: history[${foreign}] is an event of partner ${(events[foreign] as DomainEvent).data.partnerId}, ` +
        `and the history is partner ${partnerId as string}'s: a partner's history holds its own events only`,
    );
  const state =
    decider.evolve === evolve
      ? fold(events, decider.initialState)
      : events.reduce((folded, event) => decider.evolve(folded, event), decider.initialState);
  return {
    state,
    when(command: unknown): Then {
      const decoded = decodeCommand(command);
      const decision = E.isLeft(decoded) ? decoded : decider.decide(decoded.right, state);
      const when = `given ${events.length} events, when ${formatMessage(command)}`;
      return {
        decision,
        thenEvents(expected) {
          if (E.isLeft(decision))
            return fail(
              `${when}: expected it to be accepted, but it was refused with ${decision.left.code}: ${decision.left.message}`,
              decision.left,
              expected === undefined ? 'events' : [...expected],
            );
          if (expected === undefined) return decision.right;
          const wanted = decodedEvents('thenEvents: expected', expected);
          if (!isDeepStrictEqual(decision.right, wanted))
            fail(
              `${when}: expected these events:\n${formatLog(wanted)}\nbut it recorded:\n${formatLog(decision.right)}`,
              decision.right,
              wanted,
            );
          return decision.right;
        },
        thenRejected(code) {
          if (E.isRight(decision))
            return fail(
              `${when}: expected it to be refused with ${code}, but it recorded:\n${formatLog(decision.right)}`,
              decision.right,
              { code },
            );
          if (decision.left.code !== code)
            fail(
              `${when}: expected it to be refused with ${code}, but it was refused with ${decision.left.code}: ${decision.left.message}`,
              decision.left.code,
              code,
            );
          return decision.left;
        },
      };
    },
  };
}
