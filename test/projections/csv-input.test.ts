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
import { anyJson } from 'apss-domain/testing';
import { onboarded, purchased, reserved, usageRecorded } from '../builders.js';
import { freezeMap } from '../../src/lib/freeze.js';

/** A value the types would refuse, handed over as JavaScript (or JSON) may hand it. */
const untyped = (u: unknown): never => u as never;

/** A plain, unfrozen copy: what a view is after a trip through JSON. */
const fromJson = <V>(view: V): V => JSON.parse(JSON.stringify(view)) as V;

const overviewFromJson = (view: ReturnType<typeof buildOverview>) =>
  new Map(fromJson([...view.values()]).map((partner) => [partner.partnerId, partner]));

const writers = [
  ['reconciliationCsv', (u: unknown) => reconciliationCsv(untyped(u))],
  ['invoiceCsv', (u: unknown) => invoiceCsv(untyped(u))],
  ['overviewCsv', (u: unknown) => overviewCsv(untyped(u))],
] as const;

// Usage before any shared tenant (customerId ''), then a tenant, a reservation and more usage.
const log = [
  usageRecorded({ partnerId: 'p0', usageId: 'early' }),
  ...onboarded(),
  purchased('s2', 't-p1'),
  reserved('s2', 'r1'),
  usageRecorded({ usageId: 'u-1', quantity: 0.1, unitPrice: 3 }),
  usageRecorded({ usageId: 'u-2', quantity: 1e-7, unitPrice: 0.2, currency: 'USD' }),
  usageRecorded({ usageId: 'u-3', usageDate: '2024-02-29' }),
];
const buildOverview = () => project(overview, log);
const lines = project(reconciliation, log);
const invoiceLines = project(invoice, log);
const partners = buildOverview();

const leftOf = (result: E.Either<string, string>): string => (E.isLeft(result) ? result.left : 'a CSV');

describe('CSV writers given something that is not their view: a Left naming what is wrong, never an exception', () => {
  it.each(writers)(
    '%s: given undefined, null, ["x"], a number or a Map of junk, then a one-line Left',
    (name, write) => {
      for (const input of [
        undefined,
        null,
        ['x'],
        3,
        'text',
        new Map<unknown, unknown>([
          ['p1', 'junk'],
          [2, {}],
        ]),
      ]) {
        const message = leftOf(write(input));
        expect(message.startsWith(`${name}: `)).toBe(true);
        expect(message).not.toMatch(/[\r\n]/);
      }
    },
  );

  it('given nothing or null, then the Left says what the input must be and what it got', () => {
    expect(reconciliationCsv(untyped(undefined))).toEqual(
      E.left('reconciliationCsv: the input must be an array of reconciliation lines (got nothing)'),
    );
    expect(invoiceCsv(untyped(null))).toEqual(
      E.left('invoiceCsv: the input must be an array of invoice lines (got null)'),
    );
    expect(overviewCsv(untyped(undefined))).toEqual(
      E.left('overviewCsv: the input must be a Map of partner id to partner overview (got nothing)'),
    );
    expect(overviewCsv(untyped(['x']))).toEqual(
      E.left('overviewCsv: the input must be a Map of partner id to partner overview (got ["x"])'),
    );
  });

  it('given a list whose entry is not an object, then the Left names that entry', () => {
    expect(reconciliationCsv(untyped(['x']))).toEqual(
      E.left('reconciliationCsv: [0] must be an object (got "x")'),
    );
    expect(invoiceCsv(untyped([...invoiceLines, 7]))).toEqual(
      E.left(`invoiceCsv: [${invoiceLines.length}] must be an object (got 7)`),
    );
    expect(overviewCsv(untyped(new Map([['p1', 'junk']])))).toEqual(
      E.left('overviewCsv: ["p1"] must be an object (got "junk")'),
    );
  });

  it('given a line missing a field, then the Left names the line and the field', () => {
    const { total: _total, ...withoutTotal } = lines[1] ?? {};
    expect(reconciliationCsv(untyped([lines[0], withoutTotal]))).toEqual(
      E.left('reconciliationCsv: [1].total is required'),
    );
    const { month: _month, ...withoutMonth } = invoiceLines[0] ?? {};
    expect(invoiceCsv(untyped([withoutMonth]))).toEqual(E.left('invoiceCsv: [0].month is required'));
    const { subscriptions: _subscriptions, ...withoutSubscriptions } = partners.get('p1') ?? {};
    expect(overviewCsv(untyped(new Map([['p1', withoutSubscriptions]])))).toEqual(
      E.left('overviewCsv: ["p1"].subscriptions is required'),
    );
  });

  it('given a field of the wrong kind or an unknown field, then the Left says what the field must be', () => {
    const hand = fromJson(lines).map((line, i) => (i === 2 ? { ...line, total: 3 } : line));
    expect(reconciliationCsv(untyped(hand))).toEqual(
      E.left(
        'reconciliationCsv: [2].total must be an exact decimal >= 0 in plain notation, like "142.848" (got 3)',
      ),
    );
    expect(invoiceCsv(untyped([{ ...invoiceLines[0], lineItem: 'Office', note: 'x' }]))).toEqual(
      E.left(
        'invoiceCsv: [0].lineItem must be one of Microsoft Azure (got "Office"); [0].note is not a known field',
      ),
    );
  });

  it('given several bad lines, then only the first is named (one pass, one line of problems)', () => {
    const hand = fromJson(lines).map((line, i) =>
      i === 1 || i === 3 ? { ...line, currency: 'euro' } : line,
    );
    const message = leftOf(reconciliationCsv(hand));
    expect(message).toBe(
      'reconciliationCsv: [1].currency must be an ISO 4217 currency code such as EUR or USD (got "euro")',
    );
  });

  it('given a built view of another kind, then it is checked as a hand-made one and refused', () => {
    expect(leftOf(reconciliationCsv(untyped(invoiceLines)))).toMatch(
      /^reconciliationCsv: \[0\]\.subscriptionId is required/,
    );
    expect(leftOf(invoiceCsv(untyped(lines)))).toMatch(/^invoiceCsv: \[0\]\.month is required/);
    expect(leftOf(overviewCsv(untyped(lines)))).toMatch(/^overviewCsv: the input must be a Map/);
  });

  it('given an overview entry filed under another partner or a bad subscription, then the Left names it by key', () => {
    const p1 = partners.get('p1');
    expect(overviewCsv(new Map([['p9', p1 ?? untyped(null)]]))).toEqual(
      E.left('overviewCsv: ["p9"].partnerId must be the partner id it is filed under, "p9" (got "p1")'),
    );
    const broken = {
      ...fromJson(p1),
      subscriptions: [{ subscriptionId: 's1', status: 'paused', reservations: -1, deployments: 0 }],
    };
    expect(overviewCsv(untyped(new Map([['p1', broken]])))).toEqual(
      E.left(
        'overviewCsv: ["p1"].subscriptions[0].status must be one of active, cancelled, migrated (got "paused"); ' +
          '["p1"].subscriptions[0].reservations must be an integer >= 0 (got -1)',
      ),
    );
  });

  it('given a built overview, then Map.prototype.set cannot change it behind its back (it is a view, not a Map of its own)', () => {
    const built = buildOverview();
    const before = overviewCsv(built);
    expect(() => Map.prototype.set.call(built, 'p7', 'junk')).toThrow(TypeError);
    expect(overviewCsv(built)).toEqual(before);
    expect(E.isRight(before)).toBe(true);
  });

  it('given a Map changed behind its back (Map.prototype.set gets past a frozen Map), then it is refused', () => {
    const tampered = freezeMap(new Map(buildOverview()));
    Map.prototype.set.call(tampered, 'p7', 'junk');
    expect(overviewCsv(tampered)).toEqual(E.left('overviewCsv: ["p7"] must be an object (got "junk")'));
  });

  it('given a value that throws when read, then a Left with the reason', () => {
    const throwing = new Proxy([], {
      get() {
        throw new Error('boom');
      },
    });
    expect(reconciliationCsv(throwing)).toEqual(
      E.left('reconciliationCsv: the input could not be read or written (boom)'),
    );
    const line = { ...invoiceLines[0] };
    Object.defineProperty(line, 'total', {
      enumerable: true,
      get() {
        throw new Error('no total');
      },
    });
    expect(invoiceCsv(untyped([line]))).toEqual(
      E.left('invoiceCsv: the input could not be read or written (no total)'),
    );
  });

  it.each(writers)(
    'property: %s returns an Either for any JSON value, a CSV only for an empty list',
    (name, write) => {
      fc.assert(
        fc.property(anyJson(), (input) => {
          const result = write(input);
          expect(E.isRight(result)).toBe(
            name !== 'overviewCsv' && Array.isArray(input) && input.length === 0,
          );
        }),
      );
    },
  );

  it('property: a reconciliation or invoice line broken in one field is refused, naming that field of that line', () => {
    const wrong = fc.constantFrom<unknown>(undefined, null, true, -1, [], {}, '', '\u0000', 'x'.repeat(129));
    const broken = <L extends object>(view: readonly L[], write: (u: unknown) => E.Either<string, string>) =>
      fc
        .tuple(fc.nat(view.length - 1), fc.constantFrom(...Object.keys(view[0] ?? {})), wrong)
        // '' is the customer of usage recorded before any shared tenant: not a break.
        .filter(([, field, value]) => !(field === 'customerId' && value === ''))
        .map(([i, field, value]) => ({ i, field, value, view, write }));
    fc.assert(
      fc.property(
        fc.oneof(
          broken(lines, (u) => reconciliationCsv(untyped(u))),
          broken(invoiceLines, (u) => invoiceCsv(untyped(u))),
        ),
        ({ i, field, value, view, write }) => {
          const hand = view.map((line, j) => (j === i ? { ...line, [field]: value } : line));
          expect(leftOf(write(hand))).toContain(`: [${i}].${field} `);
        },
      ),
    );
  });
});

describe('CSV writers given their view: a Right with the file', () => {
  it('given built views, then Right with a header and one record per line or subscription', () => {
    const records = E.map((text: string) => text.split('\r\n').length - 1);
    expect(records(reconciliationCsv(lines))).toEqual(E.right(1 + lines.length));
    expect(records(invoiceCsv(invoiceLines))).toEqual(E.right(1 + invoiceLines.length));
    // p0 without a subscription, p1 with s1 and s2.
    expect(records(overviewCsv(partners))).toEqual(E.right(1 + 3));
  });

  it("given the same views read back from JSON (usage before any tenant, customer ''), then the same file", () => {
    expect(lines[0]?.customerId).toBe('');
    expect(partners.get('p0')?.sharedTenantId).toBeNull();
    expect(reconciliationCsv(fromJson(lines))).toEqual(reconciliationCsv(lines));
    expect(invoiceCsv(fromJson(invoiceLines))).toEqual(invoiceCsv(invoiceLines));
    expect(overviewCsv(overviewFromJson(partners))).toEqual(overviewCsv(partners));
  });
});
