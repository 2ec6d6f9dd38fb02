import { EmmettError } from '@event-driven-io/emmett';
import type { Rejection } from '../policies/rejection.js';
import type { DecodeFailure } from '../events/decode.js';

/**
 * A command the rules refuse, thrown where Emmett expects a decider to throw. It carries the
 * `Rejection`; its Emmett error code is ValidationError (400) for a malformed command and
 * IllegalStateError (403) for a broken rule, so that Emmett's HTTP helpers answer as they should.
 */
export class RejectionError extends EmmettError {
  readonly rejection: Rejection;

  constructor(rejection: Rejection) {
    super({
      errorCode:
        rejection.code === 'INVALID_COMMAND'
          ? EmmettError.Codes.ValidationError
          : EmmettError.Codes.IllegalStateError,
      message: `${rejection.code}: ${rejection.message}`,
    });
    // EmmettError's constructor sets its own prototype: without this, `instanceof RejectionError` fails.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'RejectionError';
    this.rejection = rejection;
  }
}

/**
 * A stored event this library cannot read (malformed, or a schema version newer than it knows),
 * thrown by the upcaster: Emmett gives an upcaster no other way to refuse. Carries the DecodeFailure.
 */
export class UnreadableEventError extends EmmettError {
  readonly failure: DecodeFailure;

  constructor(failure: DecodeFailure) {
    super({ errorCode: EmmettError.Codes.InternalServerError, message: failure.message });
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'UnreadableEventError';
    this.failure = failure;
  }
}
