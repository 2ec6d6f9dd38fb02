import type { EventStore, ReadStreamOptions, StoredEvent } from 'apss-domain';

/** The store, counting in `eventsRead` the events its streams hand out (a test may set it back to 0). */
export function countingReads<S extends EventStore>(store: S): S & { eventsRead: number } {
  const read = store.readStream.bind(store);
  const counted = Object.assign(store, {
    eventsRead: 0,
    async *readStream(streamId: string, options?: ReadStreamOptions): AsyncGenerator<StoredEvent> {
      for await (const stored of read(streamId, options)) {
        counted.eventsRead += 1;
        yield stored;
      }
    },
  });
  return counted;
}
