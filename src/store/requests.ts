import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { isArray, isRecord, preview, problemsOf, struct, type FieldProblem } from '../lib/codec.js';
import type { DomainEvent } from '../events/codecs.js';
import { decodeEvent } from '../events/decode.js';
import { ConcurrencyError, EventStoreRequestError } from './errors.js';
import {
  conflicts,
  ExpectedVersion,
  GlobalPosition,
  partnerOfStream,
  StreamId,
  StreamVersion,
  type EventStore,
} from './eventStore.js';
import { pushAll } from '../lib/arrays.js';

// What every store checks before it touches its storage, so that every store refuses the same calls.

export type AppendRequest = {
  readonly streamId: string;
  /** Decoded: instants in UTC, old schema versions lifted to the current one; what is stored. */
  readonly events: readonly DomainEvent[];
  readonly expectedVersion: ExpectedVersion;
};

/** Malformed events an append's refusal names one by one. */
const MAX_MALFORMED_NAMED = 10;

const AppendOptions = struct('AppendOptions', { expectedVersion: ExpectedVersion });
const ReadStreamOptions = struct('ReadStreamOptions', {}, { after: StreamVersion });
const ReadAllOptions = struct('ReadAllOptions', {}, { after: GlobalPosition });

const problemsAt = (field: string, errors: t.Errors): FieldProblem[] =>
  problemsOf(errors).map((p) => ({
    path: p.path === '(root)' ? field : `${field}.${p.path}`,
    reason: p.reason,
  }));

function decodeField<A>(
  codec: t.Decoder<unknown, A>,
  value: unknown,
  field: string,
): E.Either<FieldProblem[], A> {
  const result = codec.decode(value);
  return E.isLeft(result) ? E.left(problemsAt(field, result.left)) : result;
}

/** Checks an append: the stream id, every event (decoded and upcast, as it will be stored) and the expected version. */
export function decodeAppend(
  streamId: unknown,
  events: unknown,
  options: unknown,
): E.Either<EventStoreRequestError, AppendRequest> {
  const problems: FieldProblem[] = [];
  const details: string[] = [];
  const report = (found: readonly FieldProblem[], paths = found.map((p) => p.path)): void => {
    pushAll(problems, found);
    pushAll(details, paths);
  };
  const stream = decodeField(StreamId, streamId, 'streamId');
  if (E.isLeft(stream)) report(stream.left);
  const decoded: DomainEvent[] = [];
  if (!isArray(events))
    report([{ path: 'events', reason: `must be an array of events (got ${preview(events)})` }]);
  else
    for (let index = 0, malformed = 0; index < events.length; index++) {
      const event = decodeEvent(events[index]);
      if (E.isRight(event)) {
        decoded.push(event.right);
        continue;
      }
      const at = `events.${index}`;
      // Checking stops early so that a refusal costs little whatever the array (a sparse one of 2^32 - 1 holes).
      if (++malformed > MAX_MALFORMED_NAMED) {
        report([{ path: 'events', reason: `has more malformed events after ${at} (not checked further)` }]);
        break;
      }
      report(
        [{ path: at, reason: `is a ${event.left.message}` }],
        event.left.details.map((path) => (path === '(root)' ? at : `${at}.${path}`)),
      );
    }
  // R1: a partner's stream holds that partner's events only; a handler reading it folds them all.
  // Checked once every event decoded, so that an event's index is its index in `events`.
  if (E.isRight(stream) && problems.length === 0) {
    const partner = partnerOfStream(stream.right);
    if (partner !== undefined)
      for (const [index, event] of decoded.entries())
        if (event.data.partnerId !== partner)
          report([
            {
              path: `events.${index}.data.partnerId`,
              reason: `is ${preview(event.data.partnerId)}, and stream ${stream.right} holds the events of partner ${partner} only`,
            },
          ]);
  }
  const expected = isRecord(options)
    ? decodeField(AppendOptions, options, 'options')
    : E.left([{ path: 'options', reason: `must be { expectedVersion } (got ${preview(options)})` }]);
  if (E.isLeft(expected)) report(expected.left);
  if (E.isLeft(stream) || E.isLeft(expected) || problems.length > 0)
    return E.left(new EventStoreRequestError('appendToStream', problems, details));
  return E.right({
    streamId: stream.right,
    events: decoded,
    expectedVersion: expected.right.expectedVersion,
  });
}

/** Checks a stream read; `after` defaults to 0 (the whole stream). */
export function decodeReadStream(
  streamId: unknown,
  options: unknown,
): E.Either<EventStoreRequestError, { readonly streamId: string; readonly after: number }> {
  const stream = decodeField(StreamId, streamId, 'streamId');
  const read = decodeField(ReadStreamOptions, options ?? {}, 'options');
  if (E.isLeft(stream) || E.isLeft(read))
    return E.left(
      new EventStoreRequestError('readStream', [
        ...(E.isLeft(stream) ? stream.left : []),
        ...(E.isLeft(read) ? read.left : []),
      ]),
    );
  return E.right({ streamId: stream.right, after: read.right.after ?? 0 });
}

/** Checks a read of the whole log; `after` defaults to 0n (from the start). */
export function decodeReadAll(
  options: unknown,
): E.Either<EventStoreRequestError, { readonly after: bigint }> {
  const read = decodeField(ReadAllOptions, options ?? {}, 'options');
  return E.isLeft(read)
    ? E.left(new EventStoreRequestError('readAll', read.left))
    : E.right({ after: read.right.after ?? 0n });
}

// A store's methods reject a bad call, or an append the stream is not ready for, as the EventStore
// contract says: these two throw, and are called only inside those async methods.

/** The checked request, or the EventStoreRequestError thrown. */
export function checked<A>(request: E.Either<EventStoreRequestError, A>): A {
  if (E.isLeft(request)) throw request.left;
  return request.right;
}

/** Throws the ConcurrencyError when a stream at version `actual` fails the append's expected version. */
export function expectVersion(request: AppendRequest, actual: number): void {
  if (conflicts(request.expectedVersion, actual))
    throw new ConcurrencyError(request.streamId, request.expectedVersion, actual);
}

// The library's own append of events it decided: they are events already (decide made them from a
// decoded command), so the store writes them without decoding them again. Stores register it as they
// are made; it is private to the library, and appendToStream still checks whatever comes from outside.

type Append = (request: AppendRequest) => Promise<{ nextVersion: number }>;
type DecidedAppend = { readonly append: Append; readonly publicAppend: EventStore['appendToStream'] };

const decidedAppends = new WeakMap<EventStore, DecidedAppend>();

/** Lets the library append decided events to `store` through `append`, skipping the checks of `publicAppend`. */
export function acceptDecided(
  store: EventStore,
  publicAppend: EventStore['appendToStream'],
  append: Append,
): void {
  decidedAppends.set(store, { append, publicAppend });
}

/**
 * Appends events that `decide` made: through the store's own path when it has one, else (a store of
 * the caller's, or one whose appendToStream a subclass changed) through appendToStream.
 */
export function appendDecided(store: EventStore, request: AppendRequest): Promise<{ nextVersion: number }> {
  const own = decidedAppends.get(store);
  return own !== undefined && store.appendToStream === own.publicAppend
    ? own.append(request)
    : store.appendToStream(request.streamId, request.events, { expectedVersion: request.expectedVersion });
}
