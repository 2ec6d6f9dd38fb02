import * as E from 'fp-ts/lib/Either.js';
import type { DefaultRecord, Event } from '@event-driven-io/emmett';
import type { DomainEvent } from '../events/codecs.js';
import { decodeEvent } from '../events/decode.js';
import { UnreadableEventError } from './errors.js';

/** An event as a store hands it back, at whatever schema version it was written. */
export type StoredApssEvent = Event<string, DefaultRecord, DefaultRecord | undefined>;

/**
 * Emmett's upcaster (`schema: { versioning: { upcast } }`): every stored event is decoded and old
 * schema versions lifted to the current one, as `decodeEvent` does. An event it cannot read throws an
 * UnreadableEventError, and the read (or the command) fails with nothing appended.
 */
export function upcastEvent(event: StoredApssEvent): DomainEvent {
  const decoded = decodeEvent(event);
  if (E.isLeft(decoded)) throw new UnreadableEventError(decoded.left);
  return decoded.right;
}
