import * as E from 'fp-ts/lib/Either.js';
import type { DeciderCommandHandlerOptions } from '@event-driven-io/emmett';
import { decodeCommand } from '../domain/commands.js';
import { apssDecider } from '../domain/decider.js';
import type { PartnerState } from '../state/state.js';
import type { DomainEvent } from '../events/codecs.js';
import { defaultRules, type RuleSet } from '../policies/ruleSet.js';
import { partnerStreamId } from '../store/eventStore.js';
import { coreCommand, type EmmettCommand } from './commands.js';
import { RejectionError } from './errors.js';
import { upcastEvent } from './upcast.js';

/** What `emmettDecider` gives: Emmett's own decider and command-handler options, all filled in. */
export type EmmettDecider = DeciderCommandHandlerOptions<PartnerState, EmmettCommand, DomainEvent>;

/**
 * The rules as an Emmett decider, for `DeciderSpecification.for` and `DeciderCommandHandler` as they
 * are: `decide` throws a RejectionError where the core answers a Rejection; the handler's id is the
 * partner's id (its stream is `partnerStreamId(id)`), and what it reads is upcast by `upcastEvent`.
 * A command reaches Emmett from outside the library, so it is decoded here, once, as handleCommand
 * decodes one.
 */
export function emmettDecider(rules: RuleSet = defaultRules): EmmettDecider {
  const decider = apssDecider(rules);
  return {
    decide: (command, state) => {
      const decided = E.flatMap(E.flatMap(coreCommand(command), decodeCommand), (core) =>
        decider.decide(core, state),
      );
      if (E.isLeft(decided)) throw new RejectionError(decided.left);
      return [...decided.right];
    },
    evolve: decider.evolve,
    initialState: () => decider.initialState,
    mapToStreamId: partnerStreamId,
    schema: { versioning: { upcast: upcastEvent } },
  };
}
