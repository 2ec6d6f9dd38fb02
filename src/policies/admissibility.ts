import * as O from 'fp-ts/lib/Option.js';
import type { PartnerState } from '../state/state.js';
import { eventTypes, type DomainEvent, type EventType } from '../events/codecs.js';
import type { CompiledRules } from './ruleSet.js';
import { ruleTable, type Rule, type Violation } from './rules.js';

/** For each kind of event, the rules that judge it, in table order: most rules judge one or two kinds. */
const rulesFor = new Map<unknown, readonly Rule[]>(
  eventTypes.map((type: EventType) => [
    type,
    ruleTable.filter((rule) => rule.events === 'every event' || rule.events.includes(type)),
  ]),
);
const judgesOf = (event: DomainEvent): readonly Rule[] => rulesFor.get(event.type) ?? ruleTable;

/** The first rule, in table order, that refuses this event in this state. */
export function firstViolation(
  state: PartnerState,
  event: DomainEvent,
  rules: CompiledRules,
): O.Option<Violation> {
  for (const rule of judgesOf(event)) {
    const judgement = rule.judge(state, event, rules);
    if (O.isSome(judgement)) return judgement;
  }
  return O.none;
}

const NONE: readonly Violation[] = Object.freeze([]);

/** Every rule that refuses this event in this state, in table order. */
export function allViolations(
  state: PartnerState,
  event: DomainEvent,
  rules: CompiledRules,
): readonly Violation[] {
  let found: Violation[] | undefined;
  for (const rule of judgesOf(event)) {
    const judgement = rule.judge(state, event, rules);
    if (O.isSome(judgement)) (found ??= []).push(judgement.value);
  }
  return found ?? NONE;
}
