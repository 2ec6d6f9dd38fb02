import type * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { describeProblems, problemsOf } from '../lib/codec.js';
import {
  AZURE_LINE_ITEM,
  InvoiceLineCodec,
  PartnerOverviewCodec,
  ReconciliationLineCodec,
  type InvoiceLine,
  type PartnerOverview,
  type ReconciliationLine,
} from '../projections/viewCodecs.js';

// The rows of the views' tables as pg hands them over, and the view entries they stand for. A row is
// read as what was written; it is decoded once, on its way out, and one that does not decode (the
// table was written by something else) is a StoredViewError naming it.

/** A row of a view's table that does not hold what the runner writes there. */
export class StoredViewError extends Error {
  override readonly name = 'StoredViewError';
  constructor(table: string, row: string, reason: string) {
    super(`${table}, ${row}: ${reason}`);
  }
}

export type LineRow = {
  readonly line: string;
  readonly partner_id: string;
  readonly customer_id: string;
  readonly subscription_id: string;
  readonly usage_id: string;
  readonly usage_date: string;
  readonly meter_category: string;
  readonly meter_name: string;
  readonly quantity: number;
  readonly unit_price: number;
  readonly currency: string;
  readonly total: string;
};

export type InvoiceRow = {
  readonly partner_id: string;
  readonly month: string;
  readonly currency: string;
  readonly total: string;
};

export type OverviewRow = {
  readonly place: number;
  readonly partner_id: string;
  readonly shared_tenant_id: string | null;
  readonly subscriptions: unknown;
  readonly progress: unknown;
};

export const lineOfRow = (row: LineRow): unknown => ({
  partnerId: row.partner_id,
  customerId: row.customer_id,
  subscriptionId: row.subscription_id,
  usageId: row.usage_id,
  usageDate: row.usage_date,
  meterCategory: row.meter_category,
  meterName: row.meter_name,
  quantity: row.quantity,
  unitPrice: row.unit_price,
  currency: row.currency,
  total: row.total,
});

export const rowOfLine = (line: ReconciliationLine, at: number) => ({
  line: at,
  partner_id: line.partnerId,
  customer_id: line.customerId,
  subscription_id: line.subscriptionId,
  usage_id: line.usageId,
  usage_date: line.usageDate,
  meter_category: line.meterCategory,
  meter_name: line.meterName,
  quantity: line.quantity,
  unit_price: line.unitPrice,
  currency: line.currency,
  total: line.total,
});

export const invoiceLineOfRow = (row: InvoiceRow): unknown => ({
  partnerId: row.partner_id,
  month: row.month,
  lineItem: AZURE_LINE_ITEM,
  currency: row.currency,
  total: row.total,
});

export const rowOfInvoiceLine = ({ partnerId, month, currency, total }: InvoiceLine) => ({
  partner_id: partnerId,
  month,
  currency,
  total,
});

export const overviewOfRow = (row: OverviewRow): unknown => ({
  partnerId: row.partner_id,
  sharedTenantId: row.shared_tenant_id,
  subscriptions: row.subscriptions,
});

/** Decodes one row's entry with its view's codec; what does not decode is a StoredViewError. */
function decoded<A>(codec: t.Decoder<unknown, A>, table: string, row: string, value: unknown): A {
  const result = codec.decode(value);
  if (E.isRight(result)) return result.right;
  throw new StoredViewError(table, row, describeProblems(problemsOf(result.left)));
}

export const decodeLine = (table: string, row: LineRow): ReconciliationLine =>
  decoded(ReconciliationLineCodec, table, `line ${row.line}`, lineOfRow(row));

export const decodeInvoiceLine = (table: string, row: InvoiceRow): InvoiceLine =>
  decoded(
    InvoiceLineCodec,
    table,
    `the row of ${row.partner_id} ${row.month} ${row.currency}`,
    invoiceLineOfRow(row),
  );

export const decodeOverview = (table: string, row: OverviewRow): PartnerOverview =>
  decoded(PartnerOverviewCodec, table, `the row of ${row.partner_id}`, overviewOfRow(row));
