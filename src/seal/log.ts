import type { LinkContent, SealedRecord } from './link.js';

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

/** The fields of a sealed record that the link adds to a placed one, in the order a reader meets them. */
export const chainFieldsOf = (record: SealedRecord): { readonly prev: string; readonly hash: string } => ({
  prev: record.prev,
  hash: record.hash,
});
