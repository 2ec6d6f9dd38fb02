import * as t from 'io-ts';
import { integerFrom, isReadable, preview, refined } from '../lib/codec.js';
import { isStorableText } from '../lib/ids.js';
import type { DomainEvent } from '../events/codecs.js';

/** The largest stream version a store accepts (PostgreSQL keeps stream positions in an integer column). */
export const MAX_STREAM_VERSION = 2_147_483_647;
export const MAX_STREAM_ID_LENGTH = 256;

/** A stream's name: non-empty, at most 256 characters, no control characters. */
export const StreamId = refined(
  'StreamId',
  (u): u is string => isStorableText(u, MAX_STREAM_ID_LENGTH),
  `a non-empty string of at most ${MAX_STREAM_ID_LENGTH} characters without control characters or lone surrogates`,
);

/** A stream's version: how many events it holds (0: none), which is also the position of its last event. */
export const StreamVersion = integerFrom('StreamVersion', 0, MAX_STREAM_VERSION);

/**
 * What an append expects of the stream: exactly this many events already (`0` and `'no_stream'`
 * both mean none), or `'any'` for no check at all.
 */
export const ExpectedVersion = refined(
  'ExpectedVersion',
  (u): u is number | 'no_stream' | 'any' => u === 'no_stream' || u === 'any' || StreamVersion.is(u),
  `a stream version (an integer from 0), 'no_stream' or 'any'`,
);
export type ExpectedVersion = t.TypeOf<typeof ExpectedVersion>;

/** The last position a log can reach: PostgreSQL's bigint, which the stores count positions in. */
export const MAX_GLOBAL_POSITION = 2n ** 63n - 1n;

/** A position in the whole log: positions only grow, in the order appends were committed. */
export const GlobalPosition = refined(
  'GlobalPosition',
  (u): u is bigint => typeof u === 'bigint' && u >= 0n && u <= MAX_GLOBAL_POSITION,
  'a bigint from 0n to 2n ** 63n - 1n',
);

/** One recorded event: its stream, its place in that stream (the first is 1) and in the whole log. */
export type StoredEvent = {
  readonly streamId: string;
  readonly streamPosition: number;
  readonly globalPosition: bigint;
  readonly event: DomainEvent;
};

export type ReadStreamOptions = {
  /** Only events after this stream position (a version read earlier): the tail. */
  readonly after?: number | undefined;
};

export type ReadAllOptions = {
  /** Only events after this global position. */
  readonly after?: bigint | undefined;
};

export type AppendOptions = { readonly expectedVersion: ExpectedVersion };

/**
 * Where a service keeps its events. Each append is all or nothing and checks the stream's version
 * first; a stream that is not at the expected version fails the append with a ConcurrencyError.
 * Reads are async iterables: a consumer that stops early stops the reading.
 */
export interface EventStore {
  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<StoredEvent>;
  readAll(options?: ReadAllOptions): AsyncIterable<StoredEvent>;
  appendToStream(
    streamId: string,
    events: readonly DomainEvent[],
    options: AppendOptions,
  ): Promise<{ nextVersion: number }>;
}

const PARTNER_STREAM = 'partner-';

/** The stream that holds one partner's events. */
export const partnerStreamId = (partnerId: string): string =>
  `${PARTNER_STREAM}${typeof partnerId === 'string' ? partnerId : preview(partnerId)}`;

/** The partner whose events a stream holds, when it is a partner's stream (see partnerStreamId). */
export const partnerOfStream = (streamId: string): string | undefined =>
  streamId.startsWith(PARTNER_STREAM) ? streamId.slice(PARTNER_STREAM.length) : undefined;

/** Whether a stream at `actual` fails an append that expects `expected`. */
export const conflicts = (expected: ExpectedVersion, actual: number): boolean =>
  expected === 'any' ? false : actual !== (expected === 'no_stream' ? 0 : expected);

/** Whether a value offers the three operations of an EventStore. */
export const isEventStore = (u: unknown): u is EventStore =>
  typeof u === 'object' &&
  u !== null &&
  isReadable(u) &&
  ['readStream', 'readAll', 'appendToStream'].every(
    (name) => typeof (u as Record<string, unknown>)[name] === 'function',
  );
