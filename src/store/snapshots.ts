import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { integerFrom, problemsOf, struct } from '../lib/codec.js';
import type { DomainEvent } from '../events/codecs.js';
import { canonicalJson } from '../seal/link.js';
import { reasonOf } from '../lib/reason.js';
import { decodeStoredSnapshot, encodeSnapshot, SnapshotCodec, type Snapshot } from '../state/snapshot.js';
import { applyEvent } from '../state/evolve.js';
import {
  draftOf,
  freezeState,
  initialState,
  type MutablePartnerState,
  type PartnerState,
} from '../state/state.js';
import { EventStoreRequestError } from './errors.js';
import { MAX_STREAM_VERSION, partnerOfStream, StreamId, type EventStore } from './eventStore.js';

export { SNAPSHOT_FORMAT, type Snapshot } from '../state/snapshot.js';

/** A snapshot as a store keeps it: the stream version it was taken at, and the snapshot as JSON gave it back. */
export type StoredSnapshot = { readonly streamVersion: number; readonly snapshot: unknown };

/**
 * What a store that keeps snapshots beside its streams offers: the latest snapshot of a stream, and
 * a place to put one. A snapshot is an optimisation the library checks before it trusts it (see
 * restoreState): a store may lose them, keep an old one, or hand back one of a format it does not know.
 */
export interface SnapshotStore {
  /** The snapshot of the stream at the highest version kept, if any (one of format SNAPSHOT_FORMAT, for a store that can tell). */
  readSnapshot(streamId: string): Promise<StoredSnapshot | undefined>;
  /**
   * Keeps a snapshot of the stream at `streamVersion`, unless one at that version or a later one is
   * kept; with `replace`, whatever is kept (takeSnapshot replaces one that is not of the stream: a
   * stream reset and written again).
   */
  writeSnapshot(
    streamId: string,
    streamVersion: number,
    snapshot: Snapshot,
    options?: SnapshotWriteOptions,
  ): Promise<void>;
}

/** Whether a store keeps snapshots (anything that is not an object does not). */
export const offersSnapshots = <S extends EventStore>(store: S): store is S & SnapshotStore =>
  typeof store === 'object' &&
  store !== null &&
  typeof (store as Partial<SnapshotStore>).readSnapshot === 'function' &&
  typeof (store as Partial<SnapshotStore>).writeSnapshot === 'function';

/** How writeSnapshot keeps a snapshot (see SnapshotStore). */
export type SnapshotWriteOptions = { readonly replace?: boolean | undefined };

/** What writeSnapshot takes, for the stores that implement it. */
export type WriteSnapshotArguments = Parameters<SnapshotStore['writeSnapshot']>;

const SnapshotVersion = integerFrom('SnapshotVersion', 1, MAX_STREAM_VERSION);

const WriteSnapshotRequest = struct(
  'WriteSnapshot',
  // A snapshot is of a stream's first events at least: one of none is never used (see fromSnapshot).
  { streamId: StreamId, streamVersion: SnapshotVersion, snapshot: SnapshotCodec },
  { options: struct('SnapshotWriteOptions', {}, { replace: t.boolean }) },
);
const ReadSnapshotRequest = struct('ReadSnapshot', { streamId: StreamId });

function check<A>(operation: string, codec: t.Decoder<unknown, A>, request: object): A {
  const decoded = codec.decode(request);
  if (E.isLeft(decoded)) throw new EventStoreRequestError(operation, problemsOf(decoded.left));
  return decoded.right;
}

/**
 * Checks a writeSnapshot call's stream id, version, snapshot and options, as every store does before
 * it writes: an EventStoreRequestError naming the field. The snapshot is checked as the store will
 * keep it, its JSON text read back (a `toJSON` of its own or its prototype's writes what it likes):
 * exactly one of SNAPSHOT_FORMAT, which every later read of the stream restores from. Returns that
 * text, and whether to replace what is kept.
 */
export function checkSnapshotWrite(
  streamId: unknown,
  streamVersion: unknown,
  snapshot: unknown,
  options?: unknown,
): { readonly json: string; readonly replace: boolean } {
  let json: string | undefined;
  try {
    json = JSON.stringify(snapshot);
  } catch (error) {
    throw new EventStoreRequestError('writeSnapshot', [
      { path: 'snapshot', reason: `cannot be written as JSON (${reasonOf(error)})` },
    ]);
  }
  if (json === undefined && snapshot !== undefined)
    throw new EventStoreRequestError('writeSnapshot', [
      { path: 'snapshot', reason: 'writes no JSON at all (its toJSON gives undefined)' },
    ]);
  const request = check('writeSnapshot', WriteSnapshotRequest, {
    streamId,
    streamVersion,
    snapshot: json === undefined ? undefined : (JSON.parse(json) as unknown),
    ...(options === undefined ? {} : { options }),
  });
  return { json: json as string, replace: request.options?.replace === true };
}

/** Checks a readSnapshot call's stream id. */
export const checkSnapshotRead = (streamId: unknown): void => {
  check('readSnapshot', ReadSnapshotRequest, { streamId });
};

/** A stream's state at a version, as a snapshot and the events after it gave it. */
export type RestoredState = { readonly version: number; readonly state: PartnerState };

/**
 * The digest an event is named by where a position alone would not tell a log written again from the
 * one it was (its canonical JSON's SHA-256): a snapshot's last event, a projection runner's checkpoint.
 */
export const digestOf = (event: DomainEvent): string =>
  createHash('sha256').update(canonicalJson(event), 'utf8').digest('hex');

/**
 * The state a usable snapshot holds, if the store has one: of this format, decoding to a state of as
 * many events as the version it was stored at, and naming the event it was taken after, which
 * restoreState looks for at that version. Any other is `unusable`: the caller folds the stream from
 * its start, and takeSnapshot replaces it.
 */
async function fromSnapshot(
  store: EventStore & SnapshotStore,
  streamId: string,
): Promise<Usable | 'none' | 'unusable'> {
  const stored = await store.readSnapshot(streamId);
  if (stored === undefined) return 'none';
  if (!SnapshotVersion.is(stored.streamVersion)) return 'unusable';
  const decoded = decodeStoredSnapshot(stored.snapshot);
  if (E.isLeft(decoded)) return 'unusable';
  const { state, last, lastPosition } = decoded.right;
  if (state.version !== stored.streamVersion || last === undefined) return 'unusable';
  // A partner's stream holds its events only: a snapshot of another partner's state is not of it.
  const partner = partnerOfStream(streamId);
  if (partner !== undefined && state.partnerId !== partner) return 'unusable';
  return { version: stored.streamVersion, draft: draftOf(state), last, lastPosition };
}

/**
 * A snapshot restoreState may start from, once the stream's event at its version is `last`'s (and
 * at `lastPosition`, when the snapshot names it).
 */
type Usable = {
  readonly version: number;
  readonly draft: MutablePartnerState;
  readonly last: string;
  readonly lastPosition: string | undefined;
};

/**
 * A stream's state read as cheaply as the store allows: its snapshot (when the store keeps them and
 * one is usable, see fromSnapshot), then only the events after it; else the whole stream. Folded by
 * the library's evolve, into one draft frozen once. Rejects when the store does.
 */
export async function restoreState(store: EventStore, streamId: string): Promise<RestoredState> {
  const { version, state } = await restored(store, streamId);
  return { version, state };
}

/** What restoreState gives, and the stream's event at that version (none for an empty stream). */
export async function restoredWithLast(
  store: EventStore,
  streamId: string,
): Promise<RestoredState & { readonly last?: DomainEvent }> {
  const { version, state, last } = await restored(store, streamId);
  return last === undefined ? { version, state } : { version, state, last };
}

async function restored(
  store: EventStore,
  streamId: string,
): Promise<
  RestoredState & { readonly last?: DomainEvent; readonly lastPosition?: bigint; readonly stale?: true }
> {
  const kept = offersSnapshots(store) ? await fromSnapshot(store, streamId) : 'none';
  if (kept === 'unusable') return { ...(await restored(withoutSnapshots(store), streamId)), stale: true };
  const snapshot = kept === 'none' ? undefined : kept;
  let version = snapshot?.version ?? 0;
  let draft = snapshot?.draft;
  let confirmed = snapshot === undefined;
  let last: DomainEvent | undefined;
  let lastPosition: bigint | undefined;
  const partner = partnerOfStream(streamId);
  // From the snapshot's own last event: that it is there, the same, at the same global position,
  // shows that the stream is the one the snapshot was taken of, and has reached it.
  for await (const stored of store.readStream(streamId, { after: Math.max(0, version - 1) })) {
    if (!confirmed) {
      if (
        stored.streamPosition !== version ||
        digestOf(stored.event) !== snapshot?.last ||
        (snapshot.lastPosition !== undefined && snapshot.lastPosition !== stored.globalPosition.toString())
      )
        break;
      confirmed = true;
      last = stored.event;
      lastPosition = stored.globalPosition;
      continue;
    }
    if (stored.streamPosition <= version) continue;
    // R1: the state stops before another partner's event, which whoever reads on from its version
    // meets (handleCommand answers PARTNER_MISMATCH there).
    if (partner !== undefined && stored.event.data.partnerId !== partner) break;
    applyEvent((draft ??= draftOf(initialState)), stored.event);
    version = stored.streamPosition;
    last = stored.event;
    lastPosition = stored.globalPosition;
  }
  if (!confirmed) return { ...(await restored(withoutSnapshots(store), streamId)), stale: true };
  const state = draft === undefined ? initialState : freezeState(draft);
  return last === undefined ? { version, state } : { version, state, last, lastPosition };
}

/** The store's streams without its snapshots. */
const withoutSnapshots = (store: EventStore): EventStore => ({
  readStream: (streamId, options) => store.readStream(streamId, options),
  readAll: (options) => store.readAll(options),
  appendToStream: (streamId, events, options) => store.appendToStream(streamId, events, options),
});

/**
 * Takes a snapshot of a stream now: its state read as restoreState reads it, written at its version
 * with the digest and global position of the stream's event there (an empty stream gets none).
 * Resolves to the version the snapshot was taken at (0 for none).
 */
export async function takeSnapshot(store: EventStore & SnapshotStore, streamId: string): Promise<number> {
  const { version, state, last, lastPosition, stale } = await restored(store, streamId);
  if (last === undefined) return 0;
  const snapshot: Snapshot = {
    ...encodeSnapshot(state),
    last: digestOf(last),
    ...(lastPosition === undefined ? {} : { lastPosition: lastPosition.toString() }),
  };
  await store.writeSnapshot(streamId, version, snapshot, stale ? { replace: true } : undefined);
  return version;
}
