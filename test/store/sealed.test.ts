import { describe, expect, it } from 'vitest';
import { ConcurrencyError, EventStoreRequestError, InMemoryEventStore } from 'apss-domain';
import { eventStoreContract } from './contract.js';
import { sealedStoreContract } from './sealedContract.js';
import { collect, usageEvents } from '../builders.js';

eventStoreContract('InMemoryEventStore with seal: true', {
  open: async () => new InMemoryEventStore({ seal: true }),
});
sealedStoreContract('InMemoryEventStore', { open: async () => new InMemoryEventStore({ seal: true }) });

describe('InMemoryEventStore sealing', () => {
  it('given a refused append, then the chain is as before it: the next append links after the last one written', async () => {
    const store = new InMemoryEventStore({ seal: true });
    await store.appendToStream('s', usageEvents('p1', 2), { expectedVersion: 'no_stream' });
    const before = await collect(store.readSealed());
    await expect(
      store.appendToStream('s', usageEvents('p1', 1, 'late'), { expectedVersion: 1 }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await collect(store.readSealed())).toEqual(before);
    await store.appendToStream('t', usageEvents('p2', 1), { expectedVersion: 'no_stream' });
    const [, , third] = await collect(store.readSealed());
    expect(third?.prev).toBe(before[1]?.hash);
    expect(third?.globalPosition).toBe('3');
  });

  it('given a store made without seal, then it is not sealed and readSealed rejects naming the option', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' });
    expect(await store.isSealed()).toBe(false);
    await expect(collect(store.readSealed())).rejects.toThrow(/options\.seal was not set/);
  });

  it.each([['yes'], [1], [null]])(
    'given seal: %j, then every call rejects with an EventStoreRequestError naming options.seal',
    async (seal) => {
      const store = new InMemoryEventStore({ seal } as unknown as { seal: boolean });
      const refused = store.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' });
      await expect(refused).rejects.toBeInstanceOf(EventStoreRequestError);
      await expect(refused).rejects.toThrow(/options\.seal must be true or false/);
      await expect(collect(store.readAll())).rejects.toThrow(/options\.seal/);
      await expect(store.isSealed()).rejects.toThrow(/options\.seal/);
    },
  );

  it('given an unknown option, then calls reject naming it', async () => {
    const store = new InMemoryEventStore({ sealed: true } as unknown as { seal: boolean });
    await expect(collect(store.readAll())).rejects.toThrow(/options\.sealed is not a known field/);
  });
});
