import type { DomainEvent } from '../events/codecs.js';
import { isEventShaped } from '../events/shape.js';

const isText = (u: unknown): u is string => typeof u === 'string';
const isAmount = (u: unknown): u is number => typeof u === 'number' && Number.isFinite(u) && u >= 0;

/**
 * Whether a value has every field the projections read. Events come typed from decodeEvent, but a
 * caller in plain JavaScript may hand over anything: a value that fails this is passed over, never
 * allowed to throw halfway through a fold.
 */
export function isReadable(u: unknown): u is DomainEvent {
  if (!isEventShaped(u)) return false;
  // The shape only, so far: each field the projections read is checked, as it may be anything.
  const data: Readonly<Record<string, unknown>> = u.data;
  if (!isText(data.partnerId)) return false;
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
