import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { anyCommand, validHistory } from 'apss-domain/testing';
import {
  encodeSnapshot,
  EventStoreRequestError,
  fold,
  handleCommand,
  InMemoryEventStore,
  partnerStreamId,
  restoreState,
  SNAPSHOT_FORMAT,
  takeSnapshot,
  type DomainEvent,
} from 'apss-domain';
import { collect, createTenant, history, purchase, usage } from '../builders.js';
import { countingReads } from './countingReads.js';

const stream = partnerStreamId('p1');

/** A value with the fields of `fields`, whose prototype's toJSON writes what `json` gives. */
const withJson = (fields: object, json: () => unknown): object =>
  Object.assign(Object.create({ toJSON: json }) as object, fields);

/** The store, but for readSnapshot, which hands back `kept`. */
const handingBack = <S extends object>(store: S, kept: { streamVersion: number; snapshot: unknown }): S =>
  new Proxy(store, {
    get(target, key) {
      if (key === 'readSnapshot') return async () => kept;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });

const storeWith = async (events: readonly DomainEvent[]) => {
  const store = countingReads(new InMemoryEventStore());
  if (events.length > 0) await store.appendToStream(stream, events, { expectedVersion: 'no_stream' });
  return store;
};

const onboarding = history([createTenant('t1', 's1'), purchase('s2')]);
const usages = (from: number, count: number) =>
  history([
    createTenant('t1', 's1'),
    ...Array.from({ length: from + count }, (_, i) => usage('s1', '2022-01-01', `u${i}`)),
  ]).slice(2 + from);

describe('handleCommand on a store that keeps snapshots', () => {
  it('given a snapshot at version 52 of 55 events, when a cold command comes, then it reads the snapshot and only the tail', async () => {
    const events = history([
      createTenant('t1', 's1'),
      ...Array.from({ length: 53 }, (_, i) => usage('s1', '2022-01-01', `u${i}`)),
    ]);
    const store = await storeWith(events.slice(0, 52));
    expect(await takeSnapshot(store, stream)).toBe(52);
    await store.appendToStream(stream, events.slice(52), { expectedVersion: 52 });
    store.eventsRead = 0;
    const handled = await handleCommand(store, usage('s1', '2022-01-01', 'u-new'), { cache: false });
    expect(E.isRight(handled) && handled.right.nextVersion).toBe(56);
    // The snapshot's own last event (to see the stream reached it), then 53, 54 and 55.
    expect(store.eventsRead).toBe(4);
    const refused = await handleCommand(store, usage('s1', '2022-01-01', 'u7'), { cache: false });
    expect(E.isLeft(refused) && refused.left.code).toBe('DUPLICATE_ID');
  });

  it('given a snapshot that claims more events than the stream has, then it is ignored and the stream read from its start', async () => {
    const longer = await storeWith([...onboarding, ...usages(0, 5)]);
    await takeSnapshot(longer, stream);
    const claimed = await longer.readSnapshot(stream);
    if (claimed === undefined) throw new Error('no snapshot was taken');
    const store = await storeWith(onboarding);
    await store.writeSnapshot(stream, claimed.streamVersion, claimed.snapshot as never);
    store.eventsRead = 0;
    const restored = await restoreState(store, stream);
    expect(restored).toEqual({ version: 3, state: fold(onboarding) });
    // It used u0, which the snapshot holds and the stream does not: a rule would wrongly refuse it.
    const handled = await handleCommand(store, usage('s1', '2022-01-01', 'u0'), { cache: false });
    expect(E.isRight(handled) && handled.right.nextVersion).toBe(4);
  });

  it('given a snapshot of a stream that was reset and written again, with other events at the same instants, then it is ignored and the stream read from its start', async () => {
    const before = await storeWith([...onboarding, ...usages(0, 5)]);
    expect(await takeSnapshot(before, stream)).toBe(8);
    const kept = await before.readSnapshot(stream);
    if (kept === undefined) throw new Error('no snapshot was taken');
    const written = [...onboarding, ...usages(10, 5)];
    const store = await storeWith(written);
    await store.writeSnapshot(stream, kept.streamVersion, kept.snapshot as never);
    expect(await restoreState(store, stream)).toEqual({ version: 8, state: fold(written) });
    // u0 was the first stream's: the stream written again holds it not.
    const handled = await handleCommand(store, usage('s1', '2022-01-01', 'u0'), { cache: false });
    expect(E.isRight(handled) && handled.right.nextVersion).toBe(9);
    // A snapshot taken now replaces the old stream's, though that one is of a later version.
    await store.writeSnapshot(stream, kept.streamVersion + 5, kept.snapshot as never, { replace: true });
    expect(await takeSnapshot(store, stream)).toBe(9);
    const now = fold((await collect(store.readStream(stream))).map(({ event }) => event));
    store.eventsRead = 0;
    expect(await restoreState(store, stream)).toEqual({ version: 9, state: now });
    expect(store.eventsRead).toBe(1);
  });

  it('given a stream reset and written again with an earlier event corrected and the same last event, then the old snapshot is ignored (its last event is at another global position)', async () => {
    const events = [...onboarding, ...usages(0, 5)];
    const before = await storeWith(events);
    expect(await takeSnapshot(before, stream)).toBe(8);
    const kept = await before.readSnapshot(stream);
    if (kept === undefined) throw new Error('no snapshot was taken');
    const corrected = [
      ...history([createTenant('t-corrected', 's1'), purchase('s2', 't-corrected')]),
      ...events.slice(onboarding.length),
    ];
    // The store written again: another stream's event first, so the same events lie at other positions.
    const store = countingReads(new InMemoryEventStore());
    await store.appendToStream(
      partnerStreamId('p2'),
      history([createTenant('t9', 's9', { partnerId: 'p2' })]),
      {
        expectedVersion: 'no_stream',
      },
    );
    await store.appendToStream(stream, corrected, { expectedVersion: 'no_stream' });
    await store.writeSnapshot(stream, kept.streamVersion, kept.snapshot as never);
    const restored = await restoreState(store, stream);
    expect(restored.state.sharedTenantId).toBe('t-corrected');
    expect(restored).toEqual({ version: 8, state: fold(corrected) });
  });

  it("given a snapshot whose state is another partner's, then it is ignored and the stream read from its start", async () => {
    const events = [...onboarding, ...usages(0, 5)];
    const store = await storeWith(events);
    await takeSnapshot(store, stream);
    const kept = await store.readSnapshot(stream);
    if (kept === undefined) throw new Error('no snapshot was taken');
    const snapshot = kept.snapshot as { state: { partnerId: string } };
    const altered = { ...snapshot, state: { ...snapshot.state, partnerId: 'zzz' } };
    await store.writeSnapshot(stream, kept.streamVersion, altered as never, { replace: true });
    expect(await restoreState(store, stream)).toEqual({ version: 8, state: fold(events) });
    const handled = await handleCommand(store, usage('s1', '2022-01-01', 'u-new'), { cache: false });
    expect(E.isRight(handled) && handled.right.nextVersion).toBe(9);
  });

  it('refuses writeSnapshot options that are not { replace?: boolean }, naming the field', async () => {
    const store = await storeWith(onboarding);
    const { state } = encodeSnapshot(fold(onboarding));
    await expect(
      store.writeSnapshot(stream, 3, { version: SNAPSHOT_FORMAT, state }, { replace: 'yes' } as never),
    ).rejects.toThrow(/options\.replace/);
    await expect(
      store.writeSnapshot(stream, 3, { version: SNAPSHOT_FORMAT, state }, { replcae: true } as never),
    ).rejects.toThrow(/options/);
  });

  it('refuses a snapshot of version 0 (of no event, which is never used), naming streamVersion, and keeps none', async () => {
    const store = await storeWith(onboarding);
    await expect(store.writeSnapshot(stream, 0, encodeSnapshot(fold([])))).rejects.toThrow(/streamVersion/);
    expect(await store.readSnapshot(stream)).toBeUndefined();
  });

  it('given a snapshot that names no last event, then it is ignored', async () => {
    const events = [...onboarding, ...usages(0, 3)];
    const store = await storeWith(events);
    await store.writeSnapshot(stream, 6, encodeSnapshot(fold(events)));
    store.eventsRead = 0;
    expect(await restoreState(store, stream)).toEqual({ version: 6, state: fold(events) });
    expect(store.eventsRead).toBe(6);
  });

  it('given a snapshot of a newer format, or one that does not decode, or of another length than its version, then it is ignored', async () => {
    const events = [...onboarding, ...usages(0, 3)];
    const { state } = encodeSnapshot(fold(events));
    for (const snapshot of [
      { version: SNAPSHOT_FORMAT + 1, state },
      { version: SNAPSHOT_FORMAT, state: { ...state, usage: 'AAAA' } },
      { version: SNAPSHOT_FORMAT, state: { ...state, version: 5 } },
    ]) {
      // What another program (a later version of this library, say) may have kept: this store keeps only this format's.
      const store = handingBack(await storeWith(events), { streamVersion: 5, snapshot });
      expect(await restoreState(store, stream)).toEqual({ version: 6, state: fold(events) });
    }
  });

  it('refuses to keep a value that is not a snapshot of this format, naming the field, and keeps what it had', async () => {
    const store = await storeWith([...onboarding, ...usages(0, 2)]);
    expect(await takeSnapshot(store, stream)).toBe(5);
    const kept = await store.readSnapshot(stream);
    const { state } = encodeSnapshot(fold(onboarding));
    for (const [snapshot, field] of [
      [undefined, /writeSnapshot: snapshot is required/],
      [null, /snapshot must be an object/],
      [{}, /snapshot\.version/],
      [{ version: SNAPSHOT_FORMAT + 1, state }, /snapshot\.version/],
      [{ version: SNAPSHOT_FORMAT, state, later: 1 }, /snapshot\.later/],
      [{ version: SNAPSHOT_FORMAT, state, later: 1n }, /snapshot cannot be written as JSON/],
      // Checked as it is kept: the JSON text a toJSON (its own, or its prototype's) writes.
      [withJson(encodeSnapshot(fold(onboarding)), () => undefined), /snapshot writes no JSON at all/],
      [
        withJson(encodeSnapshot(fold(onboarding)), () => ({ version: SNAPSHOT_FORMAT })),
        /snapshot\.state is required/,
      ],
      [{ version: SNAPSHOT_FORMAT, state: { ...state, usage: 7 } }, /snapshot\.state\.usage/],
    ] as const) {
      const refused = store.writeSnapshot(stream, 9, snapshot as never, { replace: true });
      await expect(refused).rejects.toBeInstanceOf(EventStoreRequestError);
      await expect(refused).rejects.toThrow(field);
    }
    expect(await store.readSnapshot(stream)).toEqual(kept);
    const handled = await handleCommand(store, usage('s1', '2022-01-01', 'u-new'), { cache: false });
    expect(E.isRight(handled) && handled.right.nextVersion).toBe(6);
  });

  it('property: a cold command decides the same with a snapshot taken at any point of the history as without one', async () => {
    await fc.assert(
      fc.asyncProperty(
        validHistory({ partnerId: 'p1', maxCommands: 30 }),
        fc.nat(),
        fc.array(anyCommand({ partnerIds: ['p1'] }), { minLength: 1, maxLength: 4 }),
        async (events, cut, commands) => {
          const at = events.length === 0 ? 0 : cut % (events.length + 1);
          const plain = await storeWith(events);
          const snapshotted = await storeWith(events.slice(0, at));
          await takeSnapshot(snapshotted, stream);
          if (events.length > at)
            await snapshotted.appendToStream(stream, events.slice(at), { expectedVersion: at });
          for (const command of commands)
            expect(await handleCommand(snapshotted, command, { cache: false })).toEqual(
              await handleCommand(plain, command, { cache: false }),
            );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a snapshot is kept only over an earlier one: writing an older version changes nothing', async () => {
    const store = await storeWith([...onboarding, ...usages(0, 2)]);
    await takeSnapshot(store, stream);
    const older = encodeSnapshot(fold(onboarding));
    await store.writeSnapshot(stream, 3, older);
    expect((await store.readSnapshot(stream))?.streamVersion).toBe(5);
    await expect(store.writeSnapshot('', 3, older)).rejects.toThrow('invalid writeSnapshot: streamId');
    await expect(store.writeSnapshot(stream, -1, older)).rejects.toThrow('streamVersion');
    await expect(store.readSnapshot('')).rejects.toThrow('invalid readSnapshot: streamId must be');
  });
});
