import * as E from 'fp-ts/lib/Either.js';
import { deepFreeze } from '../lib/freeze.js';
import { struct } from '../lib/codec.js';
import type { DomainEvent } from '../events/codecs.js';
import { ChainWriter, type SealedRecord } from '../seal/link.js';
import { asStored } from '../seal/log.js';
import { EventStoreRequestError } from './errors.js';
import {
  type AppendOptions,
  type EventStore,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
} from './eventStore.js';
import { optionProblems, SealOption } from './optionCodecs.js';
import {
  acceptDecided,
  checked,
  decodeAppend,
  decodeReadAll,
  decodeReadStream,
  expectVersion,
  type AppendRequest,
} from './requests.js';
import type { SealedLog } from './sealedLog.js';
import {
  checkSnapshotRead,
  checkSnapshotWrite,
  type WriteSnapshotArguments,
  type SnapshotStore,
  type StoredSnapshot,
} from './snapshots.js';
import { pushAll } from '../lib/arrays.js';

export type InMemoryEventStoreOptions = {
  /** Keep a hash chain over the log, as a sealed PostgreSQL store does (false). */
  readonly seal?: boolean | undefined;
};

const StoreOptions = struct('InMemoryEventStoreOptions', {}, { seal: SealOption });

/**
 * An EventStore in this process's memory, for tests and single-process tools. An append checks and
 * writes without yielding to the event loop, so concurrent appends in one process cannot interleave.
 *
 * With `seal: true` each append also links its events into the log's hash chain, the same links a
 * sealed PostgreSQL store computes for the same appends. The constructor never throws: options it
 * cannot use make every call reject with an EventStoreRequestError naming the field.
 */
export class InMemoryEventStore implements EventStore, SealedLog, SnapshotStore {
  readonly #streams = new Map<string, StoredEvent[]>();
  /** Each stream's latest snapshot, kept as the JSON text a database would keep. */
  readonly #snapshots = new Map<string, { readonly streamVersion: number; readonly json: string }>();
  /** Every event in the order appended; an event's global position is its index + 1. */
  readonly #log: StoredEvent[] = [];
  /** The link of each event of #log when sealed, at the same index. */
  readonly #links: SealedRecord[] = [];
  #chain: E.Either<EventStoreRequestError, ChainWriter | undefined>;

  constructor(options?: InMemoryEventStoreOptions) {
    const decoded = StoreOptions.decode(options ?? {});
    this.#chain = E.isLeft(decoded)
      ? E.left(new EventStoreRequestError('InMemoryEventStore options', optionProblems(decoded.left)))
      : E.right(decoded.right.seal === true ? new ChainWriter() : undefined);
    acceptDecided(this, InMemoryEventStore.prototype.appendToStream, async (request) => this.#write(request));
  }

  async appendToStream(
    streamId: string,
    events: readonly DomainEvent[],
    options: AppendOptions,
  ): Promise<{ nextVersion: number }> {
    return this.#write(checked(decodeAppend(streamId, events, options)));
  }

  /** Writes a checked append, without yielding to the event loop. */
  #write(request: AppendRequest): { nextVersion: number } {
    const chain = checked(this.#chain);
    const stream = this.#streams.get(request.streamId) ?? [];
    expectVersion(request, stream.length);
    const stored = request.events.map((event, i): StoredEvent =>
      deepFreeze({
        streamId: request.streamId,
        streamPosition: stream.length + i + 1,
        globalPosition: BigInt(this.#log.length + i + 1),
        event,
      }),
    );
    // The links are made before anything is written, so that the append stays all or nothing.
    if (chain !== undefined) {
      const next = new ChainWriter(chain.head);
      const links = stored.map((s) =>
        next.next({
          ...asStored(s.event),
          streamId: s.streamId,
          streamPosition: s.streamPosition,
          globalPosition: s.globalPosition.toString(),
        }),
      );
      this.#chain = E.right(next);
      pushAll(
        this.#links,
        links.map((link) => deepFreeze(link)),
      );
    }
    pushAll(stream, stored);
    pushAll(this.#log, stored);
    if (stream.length > 0) this.#streams.set(request.streamId, stream);
    return { nextVersion: stream.length };
  }

  async *readStream(streamId: string, options?: ReadStreamOptions): AsyncGenerator<StoredEvent> {
    checked(this.#chain);
    const request = checked(decodeReadStream(streamId, options));
    const stream = this.#streams.get(request.streamId) ?? [];
    for (let index = request.after; index < stream.length; index++) yield stream[index] as StoredEvent;
  }

  async *readAll(options?: ReadAllOptions): AsyncGenerator<StoredEvent> {
    for (const index of this.#indexesAfter(options)) yield this.#log[index] as StoredEvent;
  }

  async isSealed(): Promise<boolean> {
    return checked(this.#chain) !== undefined;
  }

  async *readSealed(options?: ReadAllOptions): AsyncGenerator<SealedRecord> {
    if (checked(this.#chain) === undefined)
      throw new EventStoreRequestError('readSealed', [
        { path: 'options.seal', reason: 'was not set when the store was made: its log has no links' },
      ]);
    for (const index of this.#indexesAfter(options)) yield this.#links[index] as SealedRecord;
  }

  *#indexesAfter(options: unknown): Generator<number> {
    checked(this.#chain);
    const { after } = checked(decodeReadAll(options));
    const start = after > BigInt(this.#log.length) ? this.#log.length : Number(after);
    for (let index = start; index < this.#log.length; index++) yield index;
  }

  async readSnapshot(streamId: string): Promise<StoredSnapshot | undefined> {
    checkSnapshotRead(streamId);
    const kept = this.#snapshots.get(streamId);
    return kept && { streamVersion: kept.streamVersion, snapshot: JSON.parse(kept.json) as unknown };
  }

  async writeSnapshot(
    ...[streamId, streamVersion, snapshot, options]: WriteSnapshotArguments
  ): Promise<void> {
    const { json, replace } = checkSnapshotWrite(streamId, streamVersion, snapshot, options);
    if (!replace && (this.#snapshots.get(streamId)?.streamVersion ?? -1) >= streamVersion) return;
    this.#snapshots.set(streamId, { streamVersion, json });
  }
}
