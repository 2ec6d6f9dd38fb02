import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  invoice,
  invoiceCsv,
  overview,
  overviewCsv,
  project,
  reconciliation,
  reconciliationCsv,
} from 'apss-domain';
import { cancelled, onboarded, purchased, reserved, usageRecorded } from '../builders.js';

/** A strict RFC 4180 reader, to check what the writer wrote. */
function readCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"' && text[i + 1] !== '"') break;
        field += text[i];
        i += text[i] === '"' ? 2 : 1;
      }
      i += 1;
    } else
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') {
        if (text[i] === '"' || text[i] === '\n') throw new Error(`bare ${JSON.stringify(text[i])} at ${i}`);
        field += text[i];
        i += 1;
      }
    fields.push(field);
    field = '';
    if (text[i] === ',') i += 1;
    else if (text.startsWith('\r\n', i)) {
      records.push(fields);
      fields = [];
      i += 2;
    } else throw new Error(`expected , or CRLF at ${i}`);
  }
  return records;
}

/** The CSV a writer gave, failing the test when it refused. */
function written(result: E.Either<string, string>): string {
  if (E.isLeft(result)) throw new Error(`expected a CSV, got Left: ${result.left}`);
  return result.right;
}

const header = [
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
];

describe('reconciliation CSV', () => {
  it('given no usage, then the file is the header row alone', () => {
    expect(reconciliationCsv(project(reconciliation, []))).toEqual(E.right(`${header.join(',')}\r\n`));
  });

  it('given usage lines, then each is one record under the Partner Center column names, amounts in plain notation', () => {
    const lines = project(reconciliation, [
      ...onboarded(),
      usageRecorded({ usageId: 'u-1', quantity: 1e-7, unitPrice: 3, usageDate: '2024-02-29' }),
      usageRecorded({ usageId: 'u-2', quantity: 1e21, unitPrice: 0.07, currency: 'USD' }),
    ]);
    expect(readCsv(written(reconciliationCsv(lines)))).toEqual([
      header,
      [
        'p1',
        't-p1',
        's1',
        '2024-02-29',
        'Storage',
        'LRS Data Stored',
        '0.0000001',
        '3',
        'EUR',
        '0.0000003',
        'u-1',
      ],
      [
        'p1',
        't-p1',
        's1',
        '2024-01-15',
        'Storage',
        'LRS Data Stored',
        '1000000000000000000000',
        '0.07',
        'USD',
        '70000000000000000000',
        'u-2',
      ],
    ]);
  });

  it('given names with a comma or a quote, then those fields are quoted with quotes doubled', () => {
    const lines = project(reconciliation, [
      ...onboarded(),
      usageRecorded({ meterCategory: 'Storage, Premium', meterName: 'P10 "Disk"' }),
    ]);
    const text = written(reconciliationCsv(lines.map((line) => ({ ...line, usageId: 'a,"b"' }))));
    expect(text.split('\r\n')[1]).toContain(',"Storage, Premium","P10 ""Disk""",');
    expect(text).toContain(',"a,""b"""\r\n');
    expect(text).not.toContain('"p1"');
  });

  it('given a value that looks like a spreadsheet formula, then it is written as it is (ids are ordinary text)', () => {
    const lines = project(reconciliation, [...onboarded(), usageRecorded({ meterName: '=SUM(A1:A9)' })]);
    expect(readCsv(written(reconciliationCsv(lines)))[1]?.[5]).toBe('=SUM(A1:A9)');
  });

  it('property: whatever the text fields hold, reading the file gives back every field, or the first line holding a line break (no view can: ids hold no control characters) is refused, naming its fields', () => {
    const text = fc.string({
      minLength: 1,
      maxLength: 12,
      unit: fc.oneof(
        { arbitrary: fc.constantFrom('a', ',', '"', ' ', 'é', '='), weight: 80 },
        { arbitrary: fc.constantFrom('\r', '\n'), weight: 1 },
      ),
    });
    const fields = ['meterCategory', 'meterName', 'customerId'];
    const breaks = (name: string | undefined): boolean => /[\r\n]/.test(name ?? '');
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text, text), { maxLength: 6 }), (names) => {
        const lines = project(reconciliation, [
          ...onboarded(),
          ...names.map(([meterCategory, meterName], i) =>
            usageRecorded({ usageId: `u${i}`, meterCategory, meterName }),
          ),
        ]).map((line, i) => ({ ...line, customerId: names[i]?.[2] ?? '' }));
        const result = reconciliationCsv(lines);
        const bad = names.findIndex((triple) => triple.some(breaks));
        if (bad >= 0) {
          const message = E.isLeft(result) ? result.left : 'a CSV';
          expect(message).toMatch(new RegExp(`^reconciliationCsv: \\[${bad}\\]\\.`));
          expect(message).not.toMatch(/[\r\n]/);
          fields.forEach((field, f) =>
            expect(message.includes(`[${bad}].${field} must be`)).toBe(breaks(names[bad]?.[f])),
          );
          return;
        }
        const records = readCsv(written(result));
        expect(records).toHaveLength(lines.length + 1);
        records.slice(1).forEach((record, i) => {
          expect(record.slice(4, 6)).toEqual(names[i]?.slice(0, 2));
          expect(record[1]).toBe(names[i]?.[2]);
          expect(record[9]).toBe(lines[i]?.total);
        });
      }),
    );
  });
});

describe('invoice and overview CSV', () => {
  it('given invoice lines, then one record per partner, month and currency', () => {
    const lines = project(invoice, [
      ...onboarded(),
      usageRecorded({ unitPrice: 0.1 }),
      usageRecorded({ unitPrice: 0.2 }),
    ]);
    expect(readCsv(written(invoiceCsv(lines)))).toEqual([
      ['PartnerId', 'Month', 'LineItem', 'Currency', 'Total'],
      ['p1', '2024-01', 'Microsoft Azure', 'EUR', '0.3'],
    ]);
  });

  it('given an overview, then one record per subscription, and one with empty subscription columns for a partner without any', () => {
    const view = project(overview, [
      ...onboarded(),
      purchased('s2', 't-p1'),
      reserved('s2', 'r1'),
      cancelled('s1'),
      usageRecorded({ partnerId: 'p2' }),
    ]);
    expect(readCsv(written(overviewCsv(view)))).toEqual([
      ['PartnerId', 'SharedTenantId', 'SubscriptionId', 'Status', 'Reservations', 'Deployments'],
      ['p1', 't-p1', 's1', 'cancelled', '0', '0'],
      ['p1', 't-p1', 's2', 'active', '1', '0'],
      ['p2', '', '', '', '', ''],
    ]);
  });
});
