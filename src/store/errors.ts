import { describeProblems, isRecord, preview, type FieldProblem } from '../lib/codec.js';
import type { DecodeFailure } from '../events/decode.js';
import type { ExpectedVersion } from './eventStore.js';

// The constructors are public too, so they accept anything without throwing: a value that is not what
// the type says is shown in the message as it came (preview never throws).

const text = (u: unknown): string =>
  typeof u === 'string' ? u : typeof u === 'number' || typeof u === 'bigint' ? String(u) : preview(u);

const describeExpected = (expected: unknown): string =>
  expected === 'no_stream' ? 'no stream' : expected === 'any' ? 'any version' : `version ${text(expected)}`;

const isFieldProblem = (u: unknown): u is FieldProblem =>
  isRecord(u) && typeof u.path === 'string' && typeof u.reason === 'string';

/** An append found its stream at another version than it expected: someone else wrote first. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: ExpectedVersion,
    /** The stream's version when the append was refused. */
    readonly actualVersion: number,
  ) {
    super(
      `stream ${text(streamId)} is at version ${text(actualVersion)}, expected ${describeExpected(expectedVersion)}`,
    );
  }
}

/** A call to a store with arguments it cannot use; `details` are the offending field paths. Nothing was written. */
export class EventStoreRequestError extends Error {
  override readonly name = 'EventStoreRequestError';
  readonly details: readonly string[];
  constructor(operation: string, problems: readonly FieldProblem[], details?: readonly string[]) {
    const known = Array.isArray(problems) ? problems.filter(isFieldProblem) : [];
    super(`invalid ${text(operation)}: ${describeProblems(known)}`);
    this.details = Array.isArray(details)
      ? details.filter((path): path is string => typeof path === 'string')
      : known.map((p) => p.path);
  }
}

/** A stored record that this library can no longer read as an event (its schema changed under it). */
export class StoredEventError extends Error {
  override readonly name = 'StoredEventError';
  constructor(
    readonly streamId: string,
    readonly streamPosition: number,
    readonly globalPosition: bigint,
    readonly failure: DecodeFailure,
  ) {
    super(
      `stored event ${text(streamPosition)} of stream ${text(streamId)} (global position ${text(globalPosition)}) ` +
        `does not decode: ${isRecord(failure) ? text(failure.message) : text(failure)}`,
    );
  }
}
