import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeCommand, type Rejection } from 'apss-domain';

const valid = {
  type: 'RecordUsage',
  data: {
    partnerId: 'p1',
    subscriptionId: 's1',
    usageId: 'u1',
    usageDate: '2020-02-29',
    meterCategory: 'Storage',
    meterName: 'LRS Data Stored',
    quantity: 0,
    unitPrice: 0.0184,
    currency: 'EUR',
  },
  metadata: { actor: { id: 'billing', role: 'System' }, at: '2020-03-01T00:00:00Z' },
};

const withData = (data: Record<string, unknown>) => ({ ...valid, data: { ...valid.data, ...data } });
const withMetadata = (metadata: Record<string, unknown>) => ({
  ...valid,
  metadata: { ...valid.metadata, ...metadata },
});

function rejection(input: unknown): Rejection {
  const decoded = decodeCommand(input);
  if (E.isRight(decoded)) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  expect(decoded.left.code).toBe('INVALID_COMMAND');
  return decoded.left;
}

describe('decodeCommand accepts well-formed commands', () => {
  it('a usage record on a leap day, with zero quantity', () => {
    expect(E.isRight(decodeCommand(valid))).toBe(true);
  });
  it('normalises an instant with an offset to UTC', () => {
    const decoded = decodeCommand(withMetadata({ at: '2019-02-28T23:30:00-02:00' }));
    expect(decoded).toMatchObject({ right: { metadata: { at: '2019-03-01T01:30:00.000Z' } } });
  });
  it('accepts instants without seconds and with fractions finer than a millisecond (cut to the millisecond)', () => {
    expect(decodeCommand(withMetadata({ at: '2019-03-01T10:15Z' }))).toMatchObject({
      right: { metadata: { at: '2019-03-01T10:15:00.000Z' } },
    });
    expect(decodeCommand(withMetadata({ at: '2019-03-01T10:15:00.1234567+00:00' }))).toMatchObject({
      right: { metadata: { at: '2019-03-01T10:15:00.123Z' } },
    });
  });
  it('drops metadata fields it does not know (a transport may add its own)', () => {
    expect(decodeCommand(withMetadata({ traceparent: '00-abc' }))).toMatchObject({
      right: { metadata: { actor: valid.metadata.actor, at: '2020-03-01T00:00:00.000Z' } },
    });
    expect(decodeCommand(withMetadata({ traceparent: '00-abc' }))).not.toHaveProperty(
      'right.metadata.traceparent',
    );
  });
  it('accepts an id of exactly 128 characters and any printable characters', () => {
    expect(
      E.isRight(
        decodeCommand(withData({ usageId: 'x'.repeat(128), meterName: 'Ünïcødé ✓ 😀 "quoted", comma' })),
      ),
    ).toBe(true);
  });
});

describe('decodeCommand refuses malformed input with the path of every offending field', () => {
  it.each([
    ['an impossible date', withData({ usageDate: '2019-02-29' }), 'data.usageDate'],
    ['a month 13', withData({ usageDate: '2019-13-01' }), 'data.usageDate'],
    ['an instant on 30 February', withMetadata({ at: '2019-02-30T00:00:00Z' }), 'metadata.at'],
    ['an instant without a zone', withMetadata({ at: '2019-03-01T00:00:00' }), 'metadata.at'],
    ['an instant at hour 24', withMetadata({ at: '2019-03-01T24:00:00Z' }), 'metadata.at'],
    ['a date where an instant belongs', withMetadata({ at: '2019-03-01' }), 'metadata.at'],
    ['an empty id', withData({ subscriptionId: '' }), 'data.subscriptionId'],
    ['an id of 129 characters', withData({ usageId: 'x'.repeat(129) }), 'data.usageId'],
    ['a control character', withData({ meterName: 'a\u0000b' }), 'data.meterName'],
    ['a newline in an id', withData({ usageId: 'u\n1' }), 'data.usageId'],
    ['half a surrogate pair', withData({ usageId: 'u\ud800' }), 'data.usageId'],
    ['a negative quantity', withData({ quantity: -1 }), 'data.quantity'],
    ['a quantity that is a string', withData({ quantity: '1' }), 'data.quantity'],
    ['an unknown currency', withData({ currency: 'XYZ' }), 'data.currency'],
    ['a lower-case currency', withData({ currency: 'eur' }), 'data.currency'],
    ['an unknown role', withMetadata({ actor: { id: 'a', role: 'Root' } }), 'metadata.actor.role'],
    ['a missing field', { ...valid, data: { ...valid.data, usageId: undefined } }, 'data.usageId'],
    ['a field it does not know', withData({ discount: 0.1 }), 'data.discount'],
    ['extra nesting', { ...valid, data: { data: valid.data } }, 'data.data'],
    ['no metadata', { type: valid.type, data: valid.data }, 'metadata'],
    ['an unknown command type', { ...valid, type: 'DeleteTenant' }, 'type'],
    ['not an object', 'RecordUsage', '(root)'],
    ['an array', [valid], '(root)'],
  ])('%s', (_, input, path) => {
    const { details, message } = rejection(input);
    expect(details).toContain(path);
    expect(message).toContain(path === '(root)' ? 'the input' : path);
  });

  const reservation = (data: Record<string, unknown>, metadata: unknown = valid.metadata) => ({
    type: 'BuyReservedInstance',
    data: {
      partnerId: 'p1',
      subscriptionId: 's1',
      reservationId: 'r1',
      sku: 'D2',
      region: 'we',
      term: 'P1Y',
      scope: 'single',
      quantity: 1,
      ...data,
    },
    metadata,
  });

  it('reports every offending field at once, with why', () => {
    const { details, message } = rejection(
      reservation(
        { term: 'P2Y', scope: 'all', quantity: 1.5 },
        { actor: { id: '', role: 'AdminAgent' }, at: 'yesterday' },
      ),
    );
    expect(details).toEqual(['data.term', 'data.scope', 'data.quantity', 'metadata.actor.id', 'metadata.at']);
    expect(message).toContain('data.term must be one of P1Y, P3Y (got "P2Y")');
    expect(message).toContain('data.quantity must be an integer >= 1 (got 1.5)');
  });

  it.each([0, -3, Number.MAX_SAFE_INTEGER + 1])('refuses an RI quantity of %s', (quantity) => {
    expect(rejection(reservation({ quantity })).details).toEqual(['data.quantity']);
  });
  it('accepts an RI quantity of 1', () => {
    expect(E.isRight(decodeCommand(reservation({ quantity: 1 })))).toBe(true);
  });
});
