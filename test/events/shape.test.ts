import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { isEventShaped } from '../../src/events/shape.js';
import { asOf } from '../../src/projections/asOf.js';

const at = '2024-01-01T00:00:00Z';
const shaped = { type: 'SharedTenantCreated', data: { partnerId: 'p1', tenantId: 't1' }, metadata: { at } };

describe('isEventShaped: the one guard of what fold, evolve and the projections read', () => {
  it('given a known type, a data record and an instant text, then it is event-shaped', () => {
    expect(isEventShaped(shaped)).toBe(true);
  });

  it.each([
    ['an unknown type', { ...shaped, type: 'TenantCreated' }],
    ['no data record', { ...shaped, data: 'p1' }],
    ['no metadata record', { ...shaped, metadata: null }],
    ['no instant text', { ...shaped, metadata: { at: 1 } }],
    ['not a record', [shaped]],
  ])('given %s, then it is not', (_, value) => {
    expect(isEventShaped(value)).toBe(false);
  });

  it('given a record with an instant but no event type, then asOf keeps it out, as the projections do', () => {
    const keep = asOf('2025-01-01T00:00:00Z');
    expect(E.isRight(keep) && keep.right(shaped as never)).toBe(true);
    expect(E.isRight(keep) && keep.right({ metadata: { at } } as never)).toBe(false);
  });
});
