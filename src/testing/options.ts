import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describeProblems, integerFrom, problemsOf, refined, struct } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { Role } from '../events/roles.js';
import { Instant, instantMs } from '../lib/time.js';
import { defaultRules, RuleSet } from '../policies/ruleSet.js';
import { EARLIEST, LATEST, roles } from './values.js';
import type { Command } from '../domain/commands.js';
import type { Rejection } from '../policies/rejection.js';
import type { PartnerState } from '../state/state.js';
import type { DomainEvent } from '../events/codecs.js';

/** A decide function: `decide` itself, or a service of yours with its signature. */
export type DecideFunction = (
  command: Command,
  state: PartnerState,
  rules?: RuleSet,
) => E.Either<Rejection, readonly DomainEvent[]>;

const NonNegativeInteger = integerFrom('NonNegativeInteger', 0);
const Fraction = refined(
  'Fraction',
  (u): u is number => typeof u === 'number' && u >= 0 && u <= 1,
  'a number from 0 to 1',
);
const NonEmptyIds = refined(
  'NonEmptyIds',
  (u): u is readonly string[] => Array.isArray(u) && u.length > 0 && u.every(Id.is),
  'a non-empty array of ids',
);
const NonEmptyRoles = refined(
  'NonEmptyRoles',
  (u): u is readonly Role[] => Array.isArray(u) && u.length > 0 && u.every(Role.is),
  'a non-empty array of roles',
);

/**
 * The instant generated messages cluster around: one of the years 1000 to 8999 that the generators
 * keep to, so that the instants near it, days and a year or so either side, are instants still.
 */
const Around = refined(
  'Around',
  (u): u is string => Instant.is(u) && instantMs(u) >= EARLIEST && instantMs(u) <= LATEST,
  'an ISO-8601 instant in the years 1000 to 8999, like 2019-03-01T00:00:00Z',
);

/** How single messages are drawn (anyCommand, anyEvent, commandArbitraries, eventArbitraries). */
export const MessageOptions = struct(
  'MessageOptions',
  {},
  {
    /** The partner ids drawn from (default `p1`, `p2`): few partners, so messages meet. */
    partnerIds: NonEmptyIds,
    /** How many short ids (`s1`..`sN`) each kind of id is drawn from, so ids repeat (default 3; 0: any valid id). */
    reuseIds: NonNegativeInteger,
    /** How often (0..1) an id is an unusual valid one: `__proto__`, unicode, 128 characters... (default 0.1). */
    unusualIds: Fraction,
    /** The roles actors have (default: every role, each as likely). */
    roles: NonEmptyRoles,
    /** Instants cluster around this one, on it and a millisecond either side often (default: the Marketplace cutoff). */
    around: Around,
    /** Whether commands' instants are also written with an explicit offset, `-02:00` (default true). */
    offsets: t.boolean,
  },
);
export type MessageOptions = t.TypeOf<typeof MessageOptions>;

/** MessageOptions with every default filled in. */
export type MessageSettings = {
  readonly partnerIds: readonly string[];
  readonly reuseIds: number;
  readonly unusualIds: number;
  readonly roles: readonly Role[];
  readonly aroundMs: number;
  readonly offsets: boolean;
};

/** How histories and command sequences are drawn (validHistory, commandSequence). */
export const SequenceOptions = struct(
  'SequenceOptions',
  {},
  {
    /** The rules that judge the commands (default: defaultRules). */
    rules: RuleSet,
    /** At most this many commands are decided (default 24). */
    maxCommands: NonNegativeInteger,
    /** The partner whose history it is (default `p1`); another partner's commands come in now and then. */
    partnerId: Id,
    /** Decisions start near this instant (default: the rule set's Marketplace cutoff). */
    around: Around,
    /** The decider that decides each command (default: the library's `decide`); yours, to test it. */
    decide: refined(
      'DecideFunction',
      (u): u is DecideFunction => typeof u === 'function',
      'a function (command, state, rules) => Either<Rejection, events>',
    ),
  },
);
export type SequenceOptions = t.TypeOf<typeof SequenceOptions>;

/**
 * Reads the options given to a generator. A generator is built while a test is set up, and like
 * fast-check's own builders it refuses bad options there and then, saying which and why.
 */
export function readOptions<A>(codec: t.Decoder<unknown, A>, where: string, input: unknown): A {
  const decoded = codec.decode(input ?? {});
  if (E.isLeft(decoded))
    throw new TypeError(`${where}: invalid options: ${describeProblems(problemsOf(decoded.left))}`);
  return decoded.right;
}

export function messageSettings(where: string, input: unknown): MessageSettings {
  const options = readOptions(MessageOptions, where, input);
  return {
    partnerIds: options.partnerIds ?? ['p1', 'p2'],
    reuseIds: options.reuseIds ?? 3,
    unusualIds: options.unusualIds ?? 0.1,
    roles: options.roles ?? roles,
    aroundMs: instantMs(options.around ?? defaultRules.marketplaceCutoff),
    offsets: options.offsets ?? true,
  };
}
