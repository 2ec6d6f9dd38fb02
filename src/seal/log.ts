import type { LinkContent } from './link.js';

/**
 * A record of a log with its place in it, without a link: what an export of a store that is not
 * sealed writes, and what a writer seals.
 */
export type PlacedRecord = Omit<LinkContent, 'prev'>;

/** The three fields of an event record, as a writer hands them to a store. */
export type EventRecord = { readonly type: string; readonly data: unknown; readonly metadata: unknown };

/**
 * The record as JSON carries it, which is what a store keeps and gives back: a field set to
 * undefined is gone, a Date is its ISO text. A link hashes this form, so that the hash a writer
 * computes is the one a reader of the stored JSON computes.
 */
export const asStored = (record: EventRecord): EventRecord => {
  const { type, data, metadata } = JSON.parse(JSON.stringify(record)) as EventRecord;
  return { type, data, metadata };
};
