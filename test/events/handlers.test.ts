import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventTypes, type EventType } from 'apss-domain';
import { anyEvent, assertProperty } from 'apss-domain/testing';
import { handle, handles, type EventHandlers } from '../../src/events/handlers.js';

describe('typed handler records: the one dispatch over event types', () => {
  it('given a handler for every kind, when an event is handled, then the handler of its kind runs', () => {
    const kindOf = Object.fromEntries(
      eventTypes.map((type) => [type, (event: { type: string }, seen: string[]) => seen.push(event.type)]),
    ) as unknown as EventHandlers<EventType, string[], number>;
    assertProperty(
      fc.property(anyEvent(), (event) => {
        const seen: string[] = [];
        handle(kindOf, event, seen);
        expect(seen).toEqual([event.type]);
      }),
    );
  });

  it('given handlers for some kinds, then handles is true for those kinds only', () => {
    const usageOnly: EventHandlers<'UsageRecorded', void, string> = { UsageRecorded: (e) => e.data.usageId };
    assertProperty(
      fc.property(anyEvent(), (event) => {
        expect(handles(usageOnly, event)).toBe(event.type === 'UsageRecorded');
        if (handles(usageOnly, event)) expect(handle(usageOnly, event, undefined)).toBe(event.data.usageId);
      }),
    );
  });
});
