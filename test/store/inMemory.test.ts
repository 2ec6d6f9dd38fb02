import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from 'apss-domain';
import { eventStoreContract } from './contract.js';
import { collect, usageEvents } from '../builders.js';

eventStoreContract('InMemoryEventStore', { open: async () => new InMemoryEventStore() });

describe('InMemoryEventStore', () => {
  it('takes 200,000 events in one append (never spread into one call, whose arguments would overflow the stack), and reads them back in order', async () => {
    const store = new InMemoryEventStore();
    const events = usageEvents('p1', 200_000);
    expect(await store.appendToStream('s', events, { expectedVersion: 'no_stream' })).toEqual({
      nextVersion: 200_000,
    });
    const read = await collect(store.readAll());
    expect(read).toHaveLength(200_000);
    expect(read.at(-1)?.event).toEqual(events.at(-1));
  });

  it('hands out stored events frozen, so a reader cannot change the log', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' });
    const [stored] = await collect(store.readAll());
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(stored?.event.data)).toBe(true);
  });

  it('keeps its own copy of appended events: changing the caller’s objects afterwards changes nothing', async () => {
    const store = new InMemoryEventStore();
    const events = usageEvents('p1', 1);
    await store.appendToStream('s', events, { expectedVersion: 'no_stream' });
    (events[0]?.data as { usageId: string }).usageId = 'changed';
    const [stored] = await collect(store.readStream('s'));
    expect((stored?.event.data as { usageId: string }).usageId).toBe('u-1');
  });
});
