import type { DomainEvent, EventOf, EventType } from './codecs.js';

/**
 * The one way code dispatches over event types: a record with a handler for each kind it names, each
 * handler typed by its kind, so no handler narrows the event again.
 */
export type EventHandlers<K extends EventType, C, R> = {
  readonly [T in K]: (event: EventOf<T>, context: C) => R;
};

/** Runs the handler of the event's kind (the record's key and the event's type agree by construction). */
export const handle = <K extends EventType, C, R>(
  handlers: EventHandlers<K, C, R>,
  event: EventOf<K>,
  context: C,
): R => (handlers[event.type as K] as (event: DomainEvent, context: C) => R)(event, context);

/** Whether the record has a handler for this event's kind. */
export const handles = <K extends EventType>(
  handlers: EventHandlers<K, never, unknown>,
  event: DomainEvent,
): event is EventOf<K> => Object.hasOwn(handlers, event.type);
