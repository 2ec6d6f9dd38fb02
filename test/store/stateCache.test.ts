import { describe, expect, it } from 'vitest';
import { fold, initialState, StateCache, type PartnerState } from 'apss-domain';
import { usageEvents } from '../builders.js';

const stateOf = (events: number): PartnerState => fold(usageEvents('p1', events), initialState);

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

  it('holds at most maxEvents folded events, dropping the least recently used streams first', () => {
    const cache = new StateCache({ maxEvents: 7 });
    cache.set('a', 3, stateOf(3));
    cache.set('b', 3, stateOf(3));
    cache.get('a');
    cache.set('c', 3, stateOf(3));
    expect([cache.get('a')?.version, cache.get('b'), cache.get('c')?.version]).toEqual([3, undefined, 3]);
    cache.set('a', 4, stateOf(4));
    expect([cache.get('a')?.version, cache.get('c')?.version]).toEqual([4, 3]);
    cache.set('d', 1, stateOf(1));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('does not keep a state larger than the whole cache, and drops the older one it replaces', () => {
    const cache = new StateCache({ maxEvents: 4 });
    cache.set('a', 2, stateOf(2));
    cache.set('a', 5, stateOf(5));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it.each([{ maxEvents: 0 }, { maxEvents: 1.5 }, { maxEvents: '10' }, { size: 3 }])(
    'names what is wrong with options %j (and keeps the default size)',
    (options) => {
      const cache = new StateCache(options as never);
      expect(cache.problems.length).toBeGreaterThan(0);
      expect(cache.maxEvents).toBe(250_000);
    },
  );
});
