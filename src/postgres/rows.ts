import * as E from 'fp-ts/lib/Either.js';
import { decodeEvent } from '../events/decode.js';
import { StoredEventError } from '../store/errors.js';
import type { StoredEvent } from '../store/eventStore.js';

/** A row as pg hands it over: bigint columns as strings, jsonb already parsed. */
export type EventRow = {
  readonly global_position: string;
  readonly stream_id?: string;
  readonly stream_position: number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
};

/** The record as it was stored, before decoding: what an audit of the stored log reads. */
export const recordOf = (row: EventRow): unknown => ({
  type: row.type,
  data: row.data,
  metadata: row.metadata,
});

/** A stored event, decoded (and upcast) like any record from outside; a row that no longer decodes is a StoredEventError. */
export function storedEventOf(row: EventRow, streamId: string): StoredEvent {
  const globalPosition = BigInt(row.global_position);
  const event = decodeEvent(recordOf(row));
  if (E.isLeft(event)) throw new StoredEventError(streamId, row.stream_position, globalPosition, event.left);
  return { streamId, streamPosition: row.stream_position, globalPosition, event: event.right };
}
