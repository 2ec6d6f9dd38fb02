import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { invoice, overview, project, reconciliation, reconciliationCsv } from 'apss-domain';
// The CLI's replay step is not part of the library's surface; its module is the only way in.
import { decodeReplayOptions, replayRecords, type ReplayOptions } from '../../src/cli/replay.js';
import { cancelled, onboarded, purchased, reserved, usageRecorded } from '../builders.js';

const log = [
  ...onboarded(),
  purchased('s2', 't-p1', { at: '2024-01-05T08:00:00Z' }),
  reserved('s2', 'r1', { at: '2024-01-05T08:10:00Z' }),
  usageRecorded({
    usageId: 'u-a',
    usageDate: '2024-01-31',
    quantity: 0.1,
    unitPrice: 1,
    at: '2024-02-01T06:00:00Z',
  }),
  usageRecorded({
    usageId: 'u-b',
    usageDate: '2024-02-01',
    quantity: 0.2,
    unitPrice: 1,
    at: '2024-02-02T06:00:00Z',
  }),
  cancelled('s1', { at: '2024-02-03T00:00:00Z' }),
];
const records: unknown[] = [
  ...log.map((event) => JSON.parse(JSON.stringify(event)) as unknown),
  { malformed: 'line 9: Unexpected token' },
  { ...JSON.parse(JSON.stringify(log[3])), type: 'UsageRecorde' },
];

async function replay(options: ReplayOptions, input: Iterable<unknown> | AsyncIterable<unknown> = records) {
  let out = '';
  const counts = await replayRecords(input, options, (chunk) => (out += chunk));
  return { out, counts };
}

describe('apss replay: the view of a log, as the CLI writes it', () => {
  it('counts records, well-formed events and the malformed records it skipped', async () => {
    const { counts } = await replay({ view: 'invoice', format: 'json' });
    expect(counts).toEqual({ records: log.length + 2, events: log.length, skipped: 2 });
  });

  it('--json writes exactly the view; the overview Map as an array of its values in partner order', async () => {
    expect(JSON.parse((await replay({ view: 'reconciliation', format: 'json' })).out)).toEqual(
      project(reconciliation, log),
    );
    expect(JSON.parse((await replay({ view: 'invoice', format: 'json' })).out)).toEqual(
      project(invoice, log),
    );
    expect(JSON.parse((await replay({ view: 'overview', format: 'json' })).out)).toEqual([
      ...project(overview, log).values(),
    ]);
  });

  it('--csv writes the reconciliation file', async () => {
    expect(E.right((await replay({ view: 'reconciliation', format: 'csv' })).out)).toEqual(
      reconciliationCsv(project(reconciliation, log)),
    );
  });

  it('text is an aligned table for a person, amounts to the right, with a summary', async () => {
    expect((await replay({ view: 'invoice', format: 'text' })).out).toBe(
      [
        'PartnerId  Month    LineItem         Currency  Total',
        'p1         2024-01  Microsoft Azure  EUR         0.1',
        'p1         2024-02  Microsoft Azure  EUR         0.2',
        '',
        '2 invoice lines',
        '',
      ].join('\n'),
    );
    expect((await replay({ view: 'overview', format: 'text' })).out).toBe(
      [
        'PartnerId  SharedTenantId  SubscriptionId  Status     Reservations  Deployments',
        'p1         t-p1            s1              cancelled             0            0',
        'p1         t-p1            s2              active                1            0',
        '',
        '1 partner, 2 subscriptions',
        '',
      ].join('\n'),
    );
  });

  it('an empty view in text says so', async () => {
    expect((await replay({ view: 'reconciliation', format: 'text' }, [])).out).toBe('0 usage lines\n');
  });

  it('--as-of keeps the events at or before the instant, whatever its offset', async () => {
    const { out, counts } = await replay({
      view: 'reconciliation',
      format: 'json',
      asOf: '2024-02-01T07:00:00+01:00',
    });
    expect((JSON.parse(out) as { usageId: string }[]).map((line) => line.usageId)).toEqual(['u-a']);
    expect(counts.events).toBe(log.length);
    const before = await replay({ view: 'overview', format: 'json', asOf: '2024-02-02T23:59:59Z' });
    expect(JSON.parse(before.out)).toMatchObject([
      { subscriptions: [{ status: 'active' }, { status: 'active' }] },
    ]);
  });

  it('reads an async sequence of records as well', async () => {
    async function* lines() {
      yield* records;
    }
    expect((await replay({ view: 'invoice', format: 'json' }, lines())).counts.events).toBe(log.length);
  });

  it('an invalid --as-of is refused with one line naming the flag, before anything is read or written', async () => {
    let read = false;
    function* lazy() {
      read = true;
      yield* records;
    }
    const written: string[] = [];
    await expect(
      replayRecords(lazy(), { view: 'invoice', format: 'text', asOf: 'last Tuesday' }, (c) =>
        written.push(c),
      ),
    ).rejects.toThrow(
      /^replay: --as-of must be an ISO-8601 instant with Z or an offset.*\(got "last Tuesday"\)$/,
    );
    expect(read || written.length > 0).toBe(false);
  });

  it('decodeReplayOptions names each offending option', () => {
    expect(decodeReplayOptions({ view: 'ledger', format: 'xml' })).toEqual({
      _tag: 'Left',
      left: '--view must be one of overview, reconciliation, invoice, reservations (got "ledger"); format must be one of text, json, csv (got "xml")',
    });
  });
});
