import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { isArray, isRecord, preview, quickDecoderOf, REFUSED } from './codec.js';

type RecordOf<P extends t.Props> = { readonly [K in keyof P]: t.TypeOf<P[K]> };

/** A codec of records of one shape written as rows; `fields` names the columns, in order. */
export type RowsCodec<P extends t.Props> = t.Type<readonly RecordOf<P>[], unknown[][], unknown> & {
  readonly fields: readonly (keyof P & string)[];
};

/**
 * Records of one shape as rows: each record an array of its fields' values in the order of `props`,
 * the field names said once by the codec rather than in every record. Rows are about half the JSON
 * of the records and parse into no object but the array, so many records are taken back at a
 * fraction of the cost. Every field's codec must have a quick decoder (see withQuickDecoder): the
 * rows are decoded by those, and only a refused value goes through its codec's validate, for the
 * message, at the path the record's field would have (`3.endedAt` for row 3's endedAt).
 */
export function rowsOf<P extends t.Props>(name: string, props: P): RowsCodec<P> {
  const fields = Object.keys(props) as (keyof P & string)[];
  const codecs = fields.map((field) => props[field] as t.Mixed);
  const quicks = codecs.map((codec, i) => {
    const quick = quickDecoderOf(codec);
    if (quick === undefined) throw new Error(`rowsOf(${name}): ${fields[i]} has no quick decoder`);
    return quick;
  });
  const width = fields.length;

  /** The record of a row whose values all decode, or undefined. */
  const quickRecord = (row: unknown): RecordOf<P> | undefined => {
    if (!isArray(row) || row.length !== width) return undefined;
    const record: Record<string, unknown> = {};
    for (let i = 0; i < width; i++) {
      const value = (quicks[i] as (u: unknown) => unknown)(row[i]);
      if (value === REFUSED) return undefined;
      record[fields[i] as string] = value;
    }
    return record as RecordOf<P>;
  };

  /** Why a row is refused, each problem at its field's path. */
  const rowErrors = (row: unknown, c: t.Context): t.Errors => {
    if (!isArray(row) || row.length !== width)
      return [
        {
          value: row,
          context: c,
          message: `must be an array of the ${width} values ${fields.join(', ')} (got ${preview(row)})`,
        },
      ];
    return fields.flatMap((field, i) => {
      const codec = codecs[i] as t.Mixed;
      const result = codec.validate(row[i], t.appendContext(c, field, codec, row[i]));
      return E.isLeft(result) ? result.left : [];
    });
  };

  const codec: t.Type<readonly RecordOf<P>[], unknown[][], unknown> = new t.Type<
    readonly RecordOf<P>[],
    unknown[][],
    unknown
  >(
    name,
    (u): u is readonly RecordOf<P>[] =>
      isArray(u) &&
      u.every((record) => isRecord(record) && fields.every((field, i) => codecs[i]?.is(record[field]))),
    (u, c) => {
      if (!isArray(u)) return t.failure(u, c, `must be an array of rows (got ${preview(u)})`);
      const records: RecordOf<P>[] = new Array(u.length);
      for (let index = 0; index < u.length; index++) {
        const record = quickRecord(u[index]);
        if (record === undefined)
          return t.failures(rowErrors(u[index], t.appendContext(c, String(index), codec, u[index])));
        records[index] = record;
      }
      return t.success(records);
    },
    (records) => records.map(rowOf),
  );
  /** A record's row: its fields' values in the codec's order. */
  function rowOf(record: unknown): unknown[] {
    const values = record as Record<string, unknown>;
    return fields.map((field) => values[field]);
  }
  return Object.assign(codec, { fields });
}
