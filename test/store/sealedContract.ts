import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  InMemoryEventStore,
  type DomainEvent,
  type EventStore,
  type SealedLog,
} from 'apss-domain';
import { anyEvent } from 'apss-domain/testing';
import { GENESIS, linkHolds, sealedLine, type SealedRecord } from '../../src/seal/link.js';
import { collect } from '../builders.js';

export type SealedStore = EventStore & SealedLog;

export type SealedContractOptions = {
  /** An empty sealed store, new for each run. */
  readonly open: () => Promise<SealedStore>;
  /** Runs of the properties (fewer for a store over the network). */
  readonly runs?: number;
};

/** One append of a run: to which stream, which events, and whether it expects a version the stream is not at. */
type Append = { readonly stream: string; readonly events: readonly DomainEvent[]; readonly stale: boolean };

const anyAppend: fc.Arbitrary<Append> = fc.record({
  stream: fc.constantFrom('stream-a', 'stream-b', 'stream-c'),
  events: fc.array(anyEvent(), { minLength: 1, maxLength: 3 }),
  stale: fc.boolean(),
});

/** Applies the appends to a store; a stale one expects one version too many and is refused. */
async function play(store: EventStore, appends: readonly Append[]): Promise<void> {
  const versions = new Map<string, number>();
  for (const { stream, events, stale } of appends) {
    const version = versions.get(stream) ?? 0;
    const appended = store.appendToStream(stream, events, { expectedVersion: stale ? version + 1 : version });
    if (stale) await expect(appended).rejects.toBeInstanceOf(ConcurrencyError);
    else versions.set(stream, (await appended).nextVersion);
  }
}

/** Checks that the records form one chain: each holds, read back from its line too, and names the one before. */
export function expectOneChain(records: readonly SealedRecord[]): void {
  records.forEach((record, i) => {
    const line = sealedLine(record);
    expect(linkHolds(record), `link ${i + 1} holds`).toBe(true);
    expect(linkHolds(JSON.parse(line) as SealedRecord, line), `line ${i + 1} holds`).toBe(true);
    expect(record.prev, `link ${i + 1} follows the one before`).toBe(
      i === 0 ? GENESIS : records[i - 1]?.hash,
    );
  });
}

/** What a sealed store promises, run against each store. */
export function sealedStoreContract(name: string, { open, runs = 40 }: SealedContractOptions): void {
  describe(`${name} with seal: true keeps a hash chain over its log`, () => {
    it('given any appends (some refused as conflicts), then every record read back holds and links to the one before, in global order, and the chain is the in-memory one', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(anyAppend, { maxLength: 8 }), async (appends) => {
          const store = await open();
          const model = new InMemoryEventStore({ seal: true });
          await play(store, appends);
          await play(model, appends);
          const sealed = await collect(store.readSealed());
          expectOneChain(sealed);
          const stored = await collect(store.readAll());
          expect(sealed.map((r) => [r.streamId, r.streamPosition, BigInt(r.globalPosition)])).toEqual(
            stored.map((s) => [s.streamId, s.streamPosition, s.globalPosition]),
          );
          expect(sealed).toEqual(await collect(model.readSealed()));
          expect(await store.isSealed()).toBe(true);
        }),
        { numRuns: runs },
      );
    });

    it('given a sealed log, when reading after a position, then the links from there on come back unchanged', async () => {
      const store = await open();
      await play(
        store,
        fc
          .sample(anyAppend, { numRuns: 4, seed: 15 })
          .map((a) => ({ ...a, stale: false, stream: 'stream-x' })),
      );
      const whole = await collect(store.readSealed());
      expect(await collect(store.readSealed({ after: 2n }))).toEqual(whole.slice(2));
    });
  });
}
