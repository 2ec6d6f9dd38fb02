import * as O from 'fp-ts/lib/Option.js';
import type { PartnerState } from '../domain/state.js';
import type { DomainEvent } from '../events/codecs.js';
import type { CompiledRules } from './ruleSet.js';
import { ruleTable, type Violation } from './rules.js';

/** The first rule, in table order, that refuses this event in this state. */
export function firstViolation(
  state: PartnerState,
  event: DomainEvent,
  rules: CompiledRules,
): O.Option<Violation> {
  for (const rule of ruleTable) {
    const judgement = rule.judge(state, event, rules);
    if (O.isSome(judgement)) return judgement;
  }
  return O.none;
}

/** Every rule that refuses this event in this state, in table order. */
export function allViolations(
  state: PartnerState,
  event: DomainEvent,
  rules: CompiledRules,
): readonly Violation[] {
  const found: Violation[] = [];
  for (const rule of ruleTable) {
    const judgement = rule.judge(state, event, rules);
    if (O.isSome(judgement)) found.push(judgement.value);
  }
  return found;
}
