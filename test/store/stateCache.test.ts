import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold, initialState, StateCache, type PartnerState } from 'apss-domain';
import { usageEvents } from '../builders.js';

const stateOf = (events: number, partnerId = 'p1'): PartnerState =>
  fold(usageEvents(partnerId, events), initialState);

/** The bytes the cache counts for one state, kept alone. */
const bytesOf = (state: PartnerState): number => {
  const cache = new StateCache();
  cache.set('probe', state.version, state);
  return cache.stats.bytes;
};

describe('StateCache', () => {
  it('gives back the state kept for a stream with its version', () => {
    const cache = new StateCache();
    const state = stateOf(3);
    cache.set('a', 3, state);
    expect(cache.get('a')).toEqual({ version: 3, state });
    expect(cache.get('b')).toBeUndefined();
  });

  it('never replaces a state by an older one', () => {
    const cache = new StateCache();
    cache.set('a', 5, stateOf(5));
    cache.set('a', 4, stateOf(4));
    expect(cache.get('a')?.version).toBe(5);
  });

  it('weighs a state by what it holds: more usage ids, more bytes', () => {
    expect(bytesOf(stateOf(1_000))).toBeGreaterThan(bytesOf(stateOf(10)) + 1_000 * 10);
  });

  it('given a bound of bytes, then it drops the least recently used streams first to stay within it', () => {
    const state = stateOf(3);
    const cache = new StateCache({ maxBytes: 2 * bytesOf(state) });
    cache.set('a', 3, state);
    cache.set('b', 3, state);
    cache.get('a');
    cache.set('c', 3, state);
    expect([cache.get('a')?.version, cache.get('b'), cache.get('c')?.version]).toEqual([3, undefined, 3]);
    expect(cache.stats).toMatchObject({ entries: 2, bytes: 2 * bytesOf(state), evictions: 1 });
  });

  it('given a state larger than the whole bound, then it is kept alone, until the next state pushes it out', () => {
    const small = stateOf(2);
    const cache = new StateCache({ maxBytes: 3 * bytesOf(small) });
    cache.set('a', 2, small);
    cache.set('big', 5_000, stateOf(5_000));
    expect([cache.get('a'), cache.get('big')?.version, cache.size]).toEqual([undefined, 5_000, 1]);
    cache.set('a', 2, small);
    expect([cache.get('big'), cache.get('a')?.version, cache.stats.bytes]).toEqual([
      undefined,
      2,
      bytesOf(small),
    ]);
  });

  it('given the default bound, then a partner above the old bound of 250,000 events is cached', () => {
    const cache = new StateCache();
    const big = stateOf(260_000);
    cache.set('partner-big', 260_000, big);
    expect(cache.get('partner-big')?.state).toBe(big);
    expect(cache.stats.bytes).toBeLessThan(cache.stats.maxBytes);
  });

  it('given 60 partners of 5,000 events handled round-robin, then every read after the first round hits', () => {
    const cache = new StateCache();
    const states = Array.from({ length: 60 }, (_, i) => stateOf(5_000, `p${i}`));
    for (const [i, state] of states.entries()) cache.set(`partner-p${i}`, 5_000, state);
    for (let round = 0; round < 3; round++)
      for (const i of states.keys()) expect(cache.get(`partner-p${i}`)?.version).toBe(5_000);
    expect(cache.stats).toMatchObject({ entries: 60, hits: 180, misses: 0, evictions: 0 });
  });

  it('keeps its bound whatever is kept: over it only with the one state kept last, which it always holds', () => {
    const sizes = [0, 1, 20, 300];
    const states = sizes.map((n) => stateOf(n));
    const bound = bytesOf(states[2] as PartnerState);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.constantFrom(0, 1, 2, 3)), {
          maxLength: 30,
        }),
        fc.integer({ min: 1, max: 3 * bound }),
        (steps, maxBytes) => {
          const cache = new StateCache({ maxBytes });
          for (const [streamId, which] of steps) {
            cache.delete(streamId);
            cache.set(streamId, sizes[which] as number, states[which] as PartnerState);
            expect(cache.stats.bytes <= maxBytes || cache.stats.entries === 1).toBe(true);
            expect(cache.get(streamId)?.version).toBe(sizes[which]);
          }
        },
      ),
    );
  });

  it('counts hits and misses of get', () => {
    const cache = new StateCache();
    cache.set('a', 1, stateOf(1));
    cache.get('a');
    cache.get('b');
    cache.get('a');
    expect(cache.stats).toMatchObject({ hits: 2, misses: 1, entries: 1 });
  });

  it.each([{ maxBytes: 0 }, { maxBytes: 1.5 }, { maxBytes: '10' }, { size: 3 }, { maxEvents: 10 }])(
    'names what is wrong with options %j (and keeps the default bound of 256 MiB)',
    (options) => {
      const cache = new StateCache(options as never);
      expect(cache.problems.length).toBeGreaterThan(0);
      expect(cache.maxBytes).toBe(256 * 2 ** 20);
    },
  );
});
