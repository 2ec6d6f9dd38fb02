import { deepFreeze } from '../lib/freeze.js';
import type { DomainEvent } from '../events/codecs.js';
import {
  type AppendOptions,
  type EventStore,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
} from './eventStore.js';
import {
  acceptDecided,
  checked,
  decodeAppend,
  decodeReadAll,
  decodeReadStream,
  expectVersion,
  type AppendRequest,
} from './requests.js';
import {
  checkSnapshotRead,
  checkSnapshotWrite,
  type Snapshot,
  type SnapshotStore,
  type StoredSnapshot,
} from './snapshots.js';

/**
 * An EventStore in this process's memory, for tests and single-process tools. An append checks and
 * writes without yielding to the event loop, so concurrent appends in one process cannot interleave.
 */
export class InMemoryEventStore implements EventStore, SnapshotStore {
  readonly #streams = new Map<string, StoredEvent[]>();
  /** Each stream's latest snapshot, kept as the JSON text a database would keep. */
  readonly #snapshots = new Map<string, { readonly streamVersion: number; readonly json: string }>();
  /** Every event in the order appended; an event's global position is its index + 1. */
  readonly #log: StoredEvent[] = [];

  constructor() {
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
    const stream = this.#streams.get(request.streamId) ?? [];
    expectVersion(request, stream.length);
    for (const event of request.events) {
      const stored: StoredEvent = deepFreeze({
        streamId: request.streamId,
        streamPosition: stream.length + 1,
        globalPosition: BigInt(this.#log.length + 1),
        event,
      });
      stream.push(stored);
      this.#log.push(stored);
    }
    if (stream.length > 0) this.#streams.set(request.streamId, stream);
    return { nextVersion: stream.length };
  }

  async *readStream(streamId: string, options?: ReadStreamOptions): AsyncGenerator<StoredEvent> {
    const request = checked(decodeReadStream(streamId, options));
    const stream = this.#streams.get(request.streamId) ?? [];
    for (let index = request.after; index < stream.length; index++) yield stream[index] as StoredEvent;
  }

  async *readAll(options?: ReadAllOptions): AsyncGenerator<StoredEvent> {
    const { after } = checked(decodeReadAll(options));
    const start = after > BigInt(this.#log.length) ? this.#log.length : Number(after);
    for (let index = start; index < this.#log.length; index++) yield this.#log[index] as StoredEvent;
  }

  async readSnapshot(streamId: string): Promise<StoredSnapshot | undefined> {
    checkSnapshotRead(streamId);
    const kept = this.#snapshots.get(streamId);
    return kept && { streamVersion: kept.streamVersion, snapshot: JSON.parse(kept.json) as unknown };
  }

  async writeSnapshot(streamId: string, streamVersion: number, snapshot: Snapshot): Promise<void> {
    checkSnapshotWrite(streamId, streamVersion);
    if ((this.#snapshots.get(streamId)?.streamVersion ?? -1) >= streamVersion) return;
    this.#snapshots.set(streamId, { streamVersion, json: JSON.stringify(snapshot) });
  }
}
