import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import {
  describeProblems,
  isRecord,
  preview,
  problemsOf,
  quickDecoderOf,
  REFUSED,
  type FieldProblem,
} from '../lib/codec.js';
import {
  currentVersion,
  EventMetadata,
  eventData,
  eventTypes,
  type DomainEvent,
  type EventType,
} from './codecs.js';
import { PositiveInteger } from '../lib/money.js';
import { upcasters } from './upcast.js';

/** Why a record is not an event this library can read; `details` are the offending field paths. */
export type DecodeFailure = {
  readonly code: 'MALFORMED_EVENT';
  readonly message: string;
  readonly details: readonly string[];
};

// The library's own type strings, so that the decoded event's type is cheap to compare and look up by.
const knownTypes: ReadonlyMap<unknown, EventType> = new Map(eventTypes.map((type) => [type, type]));
export const isEventType = (u: unknown): u is EventType => knownTypes.has(u);

const failure = (problems: readonly FieldProblem[]): E.Either<DecodeFailure, never> =>
  E.left({
    code: 'MALFORMED_EVENT',
    message: `malformed event: ${describeProblems(problems)}`,
    details: problems.map((p) => p.path),
  });

const validateField = <A>(
  codec: t.Decoder<unknown, A>,
  value: unknown,
  key: string,
  root: t.Context,
): t.Validation<A> => codec.validate(value, t.appendContext(root, key, codec, value));

/** A field of the record itself: as the codecs do, nothing inherited from a prototype is read as a field. */
const own = (o: Record<string, unknown>, key: string): unknown =>
  Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;

const quickMetadata = quickDecoderOf(EventMetadata) as (u: unknown) => EventMetadata | typeof REFUSED;
const quickData = new Map(
  eventTypes.map((type) => [type, quickDecoderOf(eventData[type]) as (u: unknown) => unknown]),
);

/**
 * The event, when it is at its current version and every field is as it should be, decoded by the
 * codecs' quick decoders without a context (the audit's hot path); else undefined, and decodeEvent
 * takes the long way that says what is wrong.
 */
function quickEvent(type: EventType, input: Record<string, unknown>): DomainEvent | undefined {
  const metadata = quickMetadata(own(input, 'metadata'));
  if (metadata === REFUSED || (metadata.schemaVersion ?? 1) !== currentVersion[type]) return undefined;
  const data = quickData.get(type)?.(own(input, 'data'));
  if (data === undefined || data === REFUSED) return undefined;
  const current =
    metadata.schemaVersion === undefined ? { ...metadata, schemaVersion: currentVersion[type] } : metadata;
  return { type, data, metadata: current } as DomainEvent;
}

/** The data codec of one schema version of an event type, if this library can read that version. */
function dataCodecOf(type: EventType, version: number): t.Mixed | undefined {
  if (version === currentVersion[type]) return eventData[type];
  return upcasters[type]?.[version]?.data;
}

/** Whether a record's metadata gives no schema version (which means version 1). */
const claimsNoVersion = (metadata: unknown): boolean => {
  try {
    return !isRecord(metadata) || own(metadata, 'schemaVersion') === undefined;
  } catch {
    return false;
  }
};

/**
 * The schema version a record's metadata gives, when the metadata as a whole does not decode: the
 * data is judged by that version's codec. Absent means 1; undefined when it is there and not a version.
 */
function claimedVersion(metadata: unknown): number | undefined {
  try {
    const version = isRecord(metadata) ? own(metadata, 'schemaVersion') : undefined;
    if (version === undefined) return 1;
    return PositiveInteger.is(version) ? version : undefined;
  } catch {
    // A getter that throws when read again: its metadata is refused already.
    return undefined;
  }
}

/**
 * Reads an event from any value: checks every field, decodes instants to UTC and lifts old schema
 * versions to the current one. A version newer than this library knows is refused, never guessed at.
 */
export function decodeEvent(input: unknown): E.Either<DecodeFailure, DomainEvent> {
  if (!isRecord(input))
    return failure([
      { path: '(root)', reason: `must be an event object { type, data, metadata } (got ${preview(input)})` },
    ]);
  const type = knownTypes.get(own(input, 'type'));
  if (type === undefined)
    return failure([
      {
        path: 'type',
        reason: `must be one of ${eventTypes.join(', ')} (got ${preview(own(input, 'type'))})`,
      },
    ]);
  const quick = quickEvent(type, input);
  if (quick !== undefined) return E.right(quick);
  const root: t.Context = [{ key: '', type: t.unknown, actual: input }];
  const problems: FieldProblem[] = [];
  const metadata = validateField(EventMetadata, own(input, 'metadata'), 'metadata', root);
  let version: number | undefined;
  if (E.isLeft(metadata)) {
    problems.push(...problemsOf(metadata.left));
    version = claimedVersion(own(input, 'metadata'));
    // A version that is itself wrong says nothing of which data to expect: the data is not judged.
    if (version === undefined) return failure(problems);
  } else version = metadata.right.schemaVersion ?? 1;
  const codec = dataCodecOf(type, version);
  if (codec === undefined) {
    const reason =
      version > currentVersion[type]
        ? `is ${version}, newer than the version ${currentVersion[type]} of ${type} this library knows`
        : `is ${version}, a version of ${type} this library cannot read`;
    return failure([...problems, { path: 'metadata.schemaVersion', reason }]);
  }
  const data = validateField(codec, own(input, 'data'), 'data', root);
  if (E.isLeft(data)) {
    problems.push(...problemsOf(data.left));
    // A record of the current version's data that gives no version is taken for version 1: say so.
    if (
      version !== currentVersion[type] &&
      claimsNoVersion(own(input, 'metadata')) &&
      eventData[type].is(own(input, 'data'))
    )
      problems.push({
        path: 'metadata.schemaVersion',
        reason: `is not given, which means version 1, and the data is of version ${currentVersion[type]}: give schemaVersion ${currentVersion[type]}`,
      });
  }
  if (E.isLeft(metadata) || E.isLeft(data)) return failure(problems);
  let upcast: unknown = data.right;
  for (let v = version; v < currentVersion[type]; v++) {
    const step = upcasters[type]?.[v];
    if (step === undefined)
      return failure([
        {
          path: 'metadata.schemaVersion',
          reason: `is ${version}, a version of ${type} this library cannot lift to ${currentVersion[type]}`,
        },
      ]);
    upcast = (step.upcast as (old: unknown) => unknown)(upcast);
  }
  return E.right({
    type,
    data: upcast,
    metadata: { ...metadata.right, schemaVersion: currentVersion[type] },
  } as DomainEvent);
}
