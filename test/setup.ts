import { expect } from 'vitest';
import { IdSet } from '../src/lib/idSet.js';

// An IdSet keeps its ids in private fields, which toEqual does not see: compare the ids themselves.
expect.addEqualityTesters([
  function idSetsEqual(a: unknown, b: unknown): boolean | undefined {
    if (!(a instanceof IdSet) || !(b instanceof IdSet)) return undefined;
    return a.size === b.size && [...a.keys()].every((id) => b.has(id));
  },
]);
