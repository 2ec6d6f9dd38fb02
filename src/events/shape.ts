import { isRecord } from '../lib/codec.js';
import type { DomainEvent } from './codecs.js';
import { isEventType } from './decode.js';

/**
 * Enough of an event's shape to read its type, data and instant without throwing. Events come typed
 * from decodeEvent, but a caller in plain JavaScript may hand fold, evolve or a projection anything:
 * what fails this is passed over.
 */
export const isEventShaped = (u: unknown): u is DomainEvent =>
  isRecord(u) &&
  isEventType(u.type) &&
  isRecord(u.data) &&
  isRecord(u.metadata) &&
  typeof u.metadata.at === 'string';
