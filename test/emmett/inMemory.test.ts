import { describe } from 'vitest';
import { getInMemoryEventStore } from '@event-driven-io/emmett';
import { handlerSuite } from './handlerSuite.js';

describe("Emmett's in-memory event store", () => {
  const store = getInMemoryEventStore();
  handlerSuite(() => store, true);
});
