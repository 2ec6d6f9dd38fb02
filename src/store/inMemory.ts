import * as E from 'fp-ts/lib/Either.js';
import { freeze } from 'immer';
import type { DomainEvent } from '../events/codecs.js';
import { ConcurrencyError } from './errors.js';
import {
  conflicts,
  type AppendOptions,
  type EventStore,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
} from './eventStore.js';
import { decodeAppend, decodeReadAll, decodeReadStream } from './requests.js';

/**
 * An EventStore in this process's memory, for tests and single-process tools. An append checks and
 * writes without yielding to the event loop, so concurrent appends in one process cannot interleave.
 */
export class InMemoryEventStore implements EventStore {
  readonly #streams = new Map<string, StoredEvent[]>();
  /** Every event in the order appended; an event's global position is its index + 1. */
  readonly #log: StoredEvent[] = [];

  async appendToStream(
    streamId: string,
    events: readonly DomainEvent[],
    options: AppendOptions,
  ): Promise<{ nextVersion: number }> {
    const request = decodeAppend(streamId, events, options);
    if (E.isLeft(request)) throw request.left;
    const stream = this.#streams.get(request.right.streamId) ?? [];
    if (conflicts(request.right.expectedVersion, stream.length))
      throw new ConcurrencyError(request.right.streamId, request.right.expectedVersion, stream.length);
    for (const event of request.right.events) {
      const stored: StoredEvent = freeze(
        {
          streamId: request.right.streamId,
          streamPosition: stream.length + 1,
          globalPosition: BigInt(this.#log.length + 1),
          event,
        },
        true,
      );
      stream.push(stored);
      this.#log.push(stored);
    }
    if (stream.length > 0) this.#streams.set(request.right.streamId, stream);
    return { nextVersion: stream.length };
  }

  async *readStream(streamId: string, options?: ReadStreamOptions): AsyncGenerator<StoredEvent> {
    const request = decodeReadStream(streamId, options);
    if (E.isLeft(request)) throw request.left;
    const stream = this.#streams.get(request.right.streamId) ?? [];
    for (let index = request.right.after; index < stream.length; index++) yield stream[index] as StoredEvent;
  }

  async *readAll(options?: ReadAllOptions): AsyncGenerator<StoredEvent> {
    const request = decodeReadAll(options);
    if (E.isLeft(request)) throw request.left;
    const start =
      request.right.after > BigInt(this.#log.length) ? this.#log.length : Number(request.right.after);
    for (let index = start; index < this.#log.length; index++) yield this.#log[index] as StoredEvent;
  }
}
