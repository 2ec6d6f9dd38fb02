import * as O from 'fp-ts/lib/Option.js';
import type { PartnerState } from '../state/state.js';
import { eventTypes, type DomainEvent, type EventType } from '../events/codecs.js';
import type { CompiledRules } from './ruleSet.js';
import { judgeOfNamed, ruleTable, type Judge, type Violation } from './rules.js';

/**
 * For each kind of event, the judges of the rules that name it, in table order: most rules judge one or
 * two kinds, and each judge here is only ever given the kinds its rule names.
 */
const judgesFor = new Map<unknown, readonly Judge<EventType>[]>(
  eventTypes.map((type: EventType) => [
    type,
    ruleTable.filter((rule) => rule.events === 'every event' || rule.events.includes(type)).map(judgeOfNamed),
  ]),
);
const everyJudge: readonly Judge<EventType>[] = ruleTable.map((rule) => rule.judge);
const judgesOf = (event: DomainEvent): readonly Judge<EventType>[] => judgesFor.get(event.type) ?? everyJudge;

/** The first rule, in table order, that refuses this event in this state. */
export function firstViolation(
  state: PartnerState,
  event: DomainEvent,
  rules: CompiledRules,
): O.Option<Violation> {
  for (const judge of judgesOf(event)) {
    const judgement = judge(state, event, rules);
    if (O.isSome(judgement)) return judgement;
  }
  return O.none;
}

const NONE: readonly Violation[] = Object.freeze([]);

/** Each code's rule's place in the table (a code is one rule's). */
const ranks = new Map(ruleTable.flatMap((rule, rank) => rule.codes.map((code) => [code, rank] as const)));

/** The place in the table of the rule a violation breaks: the lower, the sooner it names a rejection. */
export const ruleRank = ({ code }: Violation): number => ranks.get(code) ?? ruleTable.length;

/** Every rule that refuses this event in this state, in table order. */
export function allViolations(
  state: PartnerState,
  event: DomainEvent,
  rules: CompiledRules,
): readonly Violation[] {
  let found: Violation[] | undefined;
  for (const judge of judgesOf(event)) {
    const judgement = judge(state, event, rules);
    if (O.isSome(judgement)) (found ??= []).push(judgement.value);
  }
  return found ?? NONE;
}
