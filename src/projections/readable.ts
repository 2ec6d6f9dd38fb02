import { isRecord } from '../lib/codec.js';
import type { DomainEvent } from '../events/codecs.js';
import { isEventType } from '../events/decode.js';

const isText = (u: unknown): u is string => typeof u === 'string';
const isAmount = (u: unknown): u is number => typeof u === 'number' && Number.isFinite(u) && u >= 0;

/**
 * Whether a value has every field the projections read. Events come typed from decodeEvent, but a
 * caller in plain JavaScript may hand over anything: a value that fails this is passed over, never
 * allowed to throw halfway through a fold.
 */
export function isReadable(u: unknown): u is DomainEvent {
  if (!isRecord(u) || !isEventType(u.type) || !isRecord(u.data) || !isRecord(u.metadata)) return false;
  const { data } = u;
  if (!isText(data.partnerId) || !isText(u.metadata.at)) return false;
  if (u.type !== 'UsageRecorded') return true;
  return (
    isText(data.subscriptionId) &&
    isText(data.usageId) &&
    isText(data.usageDate) &&
    isText(data.meterCategory) &&
    isText(data.meterName) &&
    isText(data.currency) &&
    isAmount(data.quantity) &&
    isAmount(data.unitPrice)
  );
}
