import { plainNumber } from './scaled.js';
import type { InvoiceLine, PartnerOverview, ReconciliationLine, ReservationLine } from './viewCodecs.js';

/** A view laid out as named columns of text, for CSV and for people. Rows can be read more than once. */
export type Table = {
  readonly columns: readonly string[];
  /** Indexes of the columns holding amounts, which a person reads right-aligned. */
  readonly amounts: ReadonlySet<number>;
  readonly rows: () => Iterable<readonly string[]>;
  /** What the view holds, in a few words: `3 usage lines`. */
  readonly summary: string;
};

const counted = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** How a view that is a list of lines is laid out: its columns, and one row per line. */
export type LineLayout<L> = {
  readonly columns: readonly string[];
  readonly amounts: ReadonlySet<number>;
  /** What one line is called, for the summary. */
  readonly noun: string;
  readonly row: (line: L) => readonly string[];
};

const linesTable =
  <L>({ columns, amounts, noun, row }: LineLayout<L>) =>
  (lines: readonly L[]): Table => ({
    columns,
    amounts,
    summary: counted(lines.length, noun),
    *rows() {
      for (const line of lines) yield row(line);
    },
  });

/** The columns as a Partner Center reconciliation file names them, and the usage id. */
export const reconciliationLayout: LineLayout<ReconciliationLine> = {
  columns: [
    'PartnerId',
    'CustomerId',
    'SubscriptionId',
    'UsageDate',
    'MeterCategory',
    'MeterName',
    'Quantity',
    'UnitPrice',
    'Currency',
    'Total',
    'UsageId',
  ],
  amounts: new Set([6, 7, 9]),
  noun: 'usage line',
  row: (line) => [
    line.partnerId,
    line.customerId,
    line.subscriptionId,
    line.usageDate,
    line.meterCategory,
    line.meterName,
    plainNumber(line.quantity),
    plainNumber(line.unitPrice),
    line.currency,
    line.total,
    line.usageId,
  ],
};

export const invoiceLayout: LineLayout<InvoiceLine> = {
  columns: ['PartnerId', 'Month', 'LineItem', 'Currency', 'Total'],
  amounts: new Set([4]),
  noun: 'invoice line',
  row: (line) => [line.partnerId, line.month, line.lineItem, line.currency, line.total],
};

export const reservationsLayout: LineLayout<ReservationLine> = {
  columns: [
    'PartnerId',
    'SubscriptionId',
    'ReservationId',
    'Sku',
    'Region',
    'Term',
    'Scope',
    'Quantity',
    'PurchasedAt',
  ],
  amounts: new Set([7]),
  noun: 'reserved instance',
  row: (line) => [
    line.partnerId,
    line.subscriptionId,
    line.reservationId,
    line.sku,
    line.region,
    line.term,
    line.scope,
    String(line.quantity),
    line.purchasedAt,
  ],
};

export const reconciliationTable = linesTable(reconciliationLayout);
export const invoiceTable = linesTable(invoiceLayout);
export const reservationsTable = linesTable(reservationsLayout);

/** One row per subscription; a partner without any has one row with the subscription columns empty. */
export const overviewTable = (partners: ReadonlyMap<string, PartnerOverview>): Table => ({
  columns: ['PartnerId', 'SharedTenantId', 'SubscriptionId', 'Status', 'Reservations', 'Deployments'],
  amounts: new Set([4, 5]),
  summary: `${counted(partners.size, 'partner')}, ${counted(
    [...partners.values()].reduce((n, p) => n + p.subscriptions.length, 0),
    'subscription',
  )}`,
  *rows() {
    for (const { partnerId, sharedTenantId, subscriptions } of partners.values()) {
      const tenant = sharedTenantId ?? '';
      if (subscriptions.length === 0) yield [partnerId, tenant, '', '', '', ''];
      for (const s of subscriptions)
        yield [partnerId, tenant, s.subscriptionId, s.status, String(s.reservations), String(s.deployments)];
    }
  },
});
