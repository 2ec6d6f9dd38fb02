import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  audit,
  compileRules,
  decodeCommand,
  decodeEvent,
  defaultRules,
  EventStoreRequestError,
  handle,
  handleCommand,
  InMemoryEventStore,
  initialState,
  partnerStreamId,
  StateCache,
  type DomainEvent,
} from 'apss-domain';
import { preview } from '../../src/lib/codec.js';
import { cancel, createTenant, history, purchase } from '../builders.js';

// Issue #10, items 5 to 8: values from outside that made the boundary functions throw, reject, crash
// the process or apply what is not an event.

const asJson = <T>(value: T): unknown => JSON.parse(JSON.stringify(value)) as unknown;
const tenantHistory = (): readonly DomainEvent[] => history([createTenant('t1', 's1')]);
/** The partner's history as a caller holds it after reading it from a file: plain JSON, field `path` replaced. */
function historyWith(index: number, path: readonly string[], value: unknown): unknown[] {
  const events = asJson(tenantHistory()) as Record<string, unknown>[];
  let target = events[index] as Record<string, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[path.at(-1) as string] = value;
  return events;
}
/** Counts every property read of a value, so that a test can say how much of it was looked at. */
function counted<T extends object>(target: T): { value: T; reads: () => number } {
  let reads = 0;
  const value = new Proxy(target, {
    get: (t, key, receiver) => ((reads += 1), Reflect.get(t, key, receiver)),
    getOwnPropertyDescriptor: (t, key) => ((reads += 1), Reflect.getOwnPropertyDescriptor(t, key)),
    has: (t, key) => ((reads += 1), Reflect.has(t, key)),
  });
  return { value, reads: () => reads };
}
const mapLike = (): object => Object.create(Map.prototype) as object;
const setLike = (): object => Object.create(Set.prototype) as object;

describe('item 5: handle decodes a history from outside and applies nothing that is not an event', () => {
  it('given a JSON history whose partnerId is {"toString":1}, when handled, then INVALID_COMMAND names history[1].data.partnerId', () => {
    const given = historyWith(1, ['data', 'partnerId'], { toString: 1 });
    const result = handle(given, purchase('s2'));
    expect(result).toMatchObject(E.left({ code: 'INVALID_COMMAND' }));
    expect(E.isLeft(result) && result.left.details).toEqual(['history[1].data.partnerId']);
    expect(E.isLeft(result) && result.left.message).toMatch(
      /^invalid history: history\[1\] is a malformed event: /,
    );
  });

  it('given a history entry with a known type and nothing else right, then it is refused, not applied (no bogus PARTNER_MISMATCH)', () => {
    const given = [
      ...(asJson(tenantHistory()) as unknown[]),
      { type: 'UsageRecorded', data: {}, metadata: { at: 'x' } },
    ];
    const result = handle(given, purchase('s2'));
    expect(result).toMatchObject(E.left({ code: 'INVALID_COMMAND' }));
    expect(E.isLeft(result) && result.left.details).toEqual(
      expect.arrayContaining(['history[2].data.partnerId', 'history[2].metadata.at']),
    );
  });

  it('given a history with an event of another partner, when handled, then PARTNER_MISMATCH names that entry, and its subscription cannot be cancelled (R1)', () => {
    const others = historyWith(1, ['data', 'partnerId'], 'p2');
    (others[1] as { data: { subscriptionId: string } }).data.subscriptionId = 's2';
    const given = [...(asJson(tenantHistory()) as unknown[]), others[1]];
    const result = handle(given, cancel('s2'));
    expect(result).toMatchObject(E.left({ code: 'PARTNER_MISMATCH' }));
    expect(E.isLeft(result) && result.left.details).toEqual(['history[2].data.partnerId']);
    expect(E.isLeft(result) && result.left.message).toBe(
      "invalid history: history[2] is an event of partner p2, and the events before it are of partner p1: a history holds one partner's events",
    );
  });

  it('given the same history as JSON, then handle decides as it does on the decoded events', () => {
    const events = tenantHistory();
    const command = purchase('s2');
    const decided = handle(events, command);
    expect(decided).toMatchObject(E.right([{ type: 'ApssSubscriptionPurchased' }]));
    expect(handle(asJson(events) as unknown[], command)).toEqual(decided);
  });

  it('given a history read from a source, when an entry is refused, then the source is closed as for...of closes it', () => {
    let closed = false;
    function* source(): Generator<unknown> {
      try {
        yield* asJson(tenantHistory()) as unknown[];
        yield { type: 'UsageRecorded' };
        yield* asJson(tenantHistory()) as unknown[];
      } finally {
        closed = true;
      }
    }
    expect(handle(source(), purchase('s2'))).toMatchObject(E.left({ code: 'INVALID_COMMAND' }));
    expect(closed).toBe(true);
  });

  it('given a history that is not an iterable, then INVALID_COMMAND names history', () => {
    for (const given of [null, 7, 'events', { length: 1, 0: {} }])
      expect(handle(given as never, purchase('s2'))).toMatchObject(
        E.left({ code: 'INVALID_COMMAND', details: ['history'] }),
      );
  });

  it('given a huge sparse history, then its first hole is the rejection, read at once', () => {
    expect(handle(new Array(2 ** 32 - 1), purchase('s2'))).toMatchObject(
      E.left({ code: 'INVALID_COMMAND', details: ['history[0]'] }),
    );
  });
});

describe('item 6: a message about a bad value costs little, whatever the value', () => {
  it('preview reads a bounded part of a large array (JSON.stringify read all of it)', () => {
    const { value, reads } = counted(new Array(10_000).fill(new Array(1_000)));
    expect(preview(value)).toMatch(/^\[\[null,null,.*\.\.\.$/);
    expect(reads()).toBeLessThan(1_000);
  });

  it('decodeEvent of 5000 references to a 100000-slot array returns MALFORMED_EVENT (it aborted Node)', () => {
    const result = decodeEvent(new Array(5000).fill(new Array(100000)));
    expect(result).toMatchObject(E.left({ code: 'MALFORMED_EVENT', details: ['(root)'] }));
    expect(E.isLeft(result) && result.left.message.length).toBeLessThan(200);
  });

  it('preview shows values JSON cannot, briefly: bigints, symbols, cycles, typed arrays, Maps and look-alikes', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(preview(5n)).toBe('5n');
    expect(preview(10n ** 1000n)).toBe('a bigint of more than 40 digits');
    expect(preview(Symbol('s'))).toBe('a symbol "s"');
    expect(preview(cycle)).toMatch(/^\{"self":\{"self":.*\.\.\.$/);
    expect(preview(new Uint8Array(3))).toBe('a Uint8Array of 3 bytes');
    expect(preview(new Map([[1, 2]]))).toBe('a Map of 1');
    expect(preview(mapLike())).toBe('{}');
    expect(
      preview({
        get secret() {
          throw new Error('a getter of the caller is never run');
        },
      }),
    ).toBe('{}');
    expect(
      preview(
        new Proxy(
          {},
          {
            ownKeys: () => {
              throw new Error('trap');
            },
          },
        ),
      ),
    ).toBe('a value that cannot be shown');
  });

  it.each([
    ['Map', mapLike],
    ['Set', setLike],
  ])(
    'an object that only inherits from %s is refused by every boundary function, which does not throw',
    async (_, like) => {
      expect(decodeEvent({ type: like() })).toMatchObject(
        E.left({ code: 'MALFORMED_EVENT', details: ['type'] }),
      );
      const command = { ...createTenant(), data: { ...createTenant().data, partnerId: like() } };
      expect(decodeCommand(command)).toMatchObject(
        E.left({ code: 'INVALID_COMMAND', details: ['data.partnerId'] }),
      );
      expect(compileRules({ ...defaultRules, name: like() })).toEqual(
        E.left(
          'invalid rule set: name must be a non-empty string of at most 128 characters, without control characters or unpaired surrogates (got {})',
        ),
      );
      expect(partnerStreamId(like() as never)).toBe('partner-{}');
      expect(new StateCache({ maxBytes: like() as never }).problems).toEqual([
        'maxBytes must be an integer >= 1 (got {})',
      ]);
    },
  );

  it('an audit goes past a record holding a Map look-alike and audits every later record', async () => {
    const events = asJson(tenantHistory()) as unknown[];
    const report = await audit([{ type: mapLike() }, ...events]);
    expect(report.records).toBe(1 + events.length);
    expect(report.events).toBe(events.length);
    expect(report.findings).toEqual([expect.objectContaining({ position: 1, code: 'MALFORMED_EVENT' })]);
  });
});

describe('item 7: audit never rejects', () => {
  it('given a rule set whose role list has no prototype, then the audit judges by its roles', async () => {
    const roles = Object.setPrototypeOf(['System'], null) as readonly never[];
    const rules = {
      ...defaultRules,
      permittedRoles: { ...defaultRules.permittedRoles, SharedTenantCreated: roles },
    };
    const events = asJson(tenantHistory()) as unknown[];
    const report = await audit(events, { rules });
    expect(report.findings).toEqual([expect.objectContaining({ position: 1, code: 'ROLE_NOT_PERMITTED' })]);
    expect(compileRules(rules)).toMatchObject(
      E.right({ roles: { SharedTenantCreated: new Set(['System']) } }),
    );
  });

  it('given records or options that throw when looked at, then the audit resolves with a finding at position 0', async () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('no');
        },
        getOwnPropertyDescriptor: () => {
          throw new Error('no');
        },
      },
    );
    const throwingIterator = {
      get [Symbol.asyncIterator](): never {
        throw new Error('no');
      },
    };
    await expect(audit(hostile as never)).resolves.toMatchObject({
      records: 0,
      findings: [{ position: 0, code: 'MALFORMED_EVENT' }],
    });
    await expect(audit(throwingIterator as never)).resolves.toMatchObject({
      records: 0,
      findings: [{ position: 0, code: 'MALFORMED_EVENT' }],
    });
    await expect(audit([], hostile as never)).resolves.toMatchObject({
      records: 0,
      findings: [
        { position: 0, code: 'INVALID_COMMAND', message: 'invalid options: they could not be read: no' },
      ],
    });
  });

  it('given a record whose getter throws, then that record is a MALFORMED_EVENT finding and the audit goes on', async () => {
    const events = asJson(tenantHistory()) as unknown[];
    const record = {
      get type(): never {
        throw new Error("the caller's getter");
      },
    };
    const report = await audit([record, ...events]);
    expect(report).toMatchObject({ records: 1 + events.length, events: events.length });
    expect(report.findings).toEqual([
      { position: 1, code: 'MALFORMED_EVENT', message: "the record could not be read: the caller's getter" },
    ]);
  });
});

describe('item 8: a StateCache keeps only whole versions', () => {
  it('given a version that is a string, then nothing is kept and the count of events stays a number', () => {
    const cache = new StateCache({ maxBytes: 10_000 });
    cache.set('a', '5' as never, initialState);
    cache.set('b', 3, initialState);
    cache.set('c', 4, initialState);
    expect(cache.get('a')).toBeUndefined();
    expect([cache.get('b')?.version, cache.get('c')?.version, cache.size]).toEqual([3, 4, 2]);
  });

  it.each([5n, -1, 1.5, Number.NaN, Infinity, 2 ** 53, null])(
    'given the version %s, then set keeps nothing and does not throw',
    (version) => {
      const cache = new StateCache();
      cache.set('a', 2, initialState);
      expect(() => cache.set('a', version as never, initialState)).not.toThrow();
      expect(cache.get('a')?.version).toBe(2);
    },
  );

  it('given a stream id or a state that is not one, then set keeps nothing', () => {
    const cache = new StateCache();
    cache.set(7 as never, 1, initialState);
    cache.set('a', 1, { version: 1 } as never);
    expect(cache.size).toBe(0);
  });
});

describe('values that are not JSON, at the same boundary functions', () => {
  it('given a history that only inherits from Set.prototype, then handle refuses it as a history it cannot iterate', () => {
    const result = handle(Object.create(Set.prototype) as never, purchase('s2'));
    expect(result).toMatchObject(E.left({ code: 'INVALID_COMMAND', details: ['history'] }));
    expect(E.isLeft(result) && result.left.message).toMatch(
      /^invalid history: could not be iterated after 0 entries: /,
    );
  });

  it('given a typed array as options, then it is one problem, not one per element', () => {
    expect(new StateCache(new Uint8Array(10) as never).problems).toEqual([
      '(root) must be an object (got a Uint8Array of 10 bytes)',
    ]);
  });

  it('given a command with fifty unknown fields, then ten are named and the rest counted', () => {
    const command = createTenant();
    const extra = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`extra${i}`, i]));
    const result = decodeCommand({ ...command, data: { ...command.data, ...extra } });
    expect(E.isLeft(result) && result.left.details).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `data.extra${i}`),
      'data',
    ]);
    expect(E.isLeft(result) && result.left.message).toMatch(/data has 40 more fields that are not known$/);
  });

  it('given an append of a sparse array of 2^32 - 1 holes, then the store refuses it at once, naming ten', async () => {
    const store = new InMemoryEventStore();
    const refusal = store.appendToStream('partner-p1', new Array(2 ** 32 - 1), { expectedVersion: 'any' });
    await expect(refusal).rejects.toBeInstanceOf(EventStoreRequestError);
    await expect(refusal).rejects.toMatchObject({
      details: [...Array.from({ length: 10 }, (_, i) => `events.${i}`), 'events'],
    });
  });

  it('given an object whose event fields are inherited from its prototype, then decodeEvent reads none of them, as decodeCommand does', () => {
    const [event] = tenantHistory();
    const result = decodeEvent(Object.create(event as object));
    expect(result).toMatchObject(E.left({ code: 'MALFORMED_EVENT', details: ['type'] }));
    expect(decodeCommand(Object.create(createTenant() as object))).toMatchObject(
      E.left({ code: 'INVALID_COMMAND' }),
    );
  });

  it("given a command whose getter throws, then the caller's own exception comes back out of decodeCommand and handle, unchanged", () => {
    const thrown = new Error("the caller's getter");
    const command = {
      ...createTenant(),
      get data(): never {
        throw thrown;
      },
    };
    expect(() => decodeCommand(command)).toThrow(thrown);
    expect(() => handle([], command)).toThrow(thrown);
  });
});

describe('a revoked Proxy, which runs no code of anyone and throws at the first look, at the boundary functions', () => {
  const revoked = (): object => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const command = createTenant('t1', 's1');

  it('given one as a command, an event, a history or its entry, options or a rule set, then each answers why, and none throws', async () => {
    expect(decodeCommand(revoked())).toMatchObject(E.left({ code: 'INVALID_COMMAND', details: ['(root)'] }));
    expect(decodeEvent(revoked())).toMatchObject(E.left({ code: 'MALFORMED_EVENT', details: ['(root)'] }));
    expect(handle([], revoked())).toMatchObject(E.left({ code: 'INVALID_COMMAND' }));
    expect(handle(revoked() as never, command)).toMatchObject(
      E.left({ code: 'INVALID_COMMAND', details: ['history'] }),
    );
    expect(handle([revoked()], command)).toMatchObject(E.left({ details: ['history[0]'] }));
    expect(handle([], command, revoked() as never)).toMatchObject(E.left({ code: 'INVALID_COMMAND' }));
    expect((await audit([revoked()])).findings).toMatchObject([{ position: 1, code: 'MALFORMED_EVENT' }]);
    expect((await audit(revoked() as never)).findings).toMatchObject([{ position: 0 }]);
    expect((await audit([], revoked() as never)).findings).toMatchObject([
      { position: 0, code: 'INVALID_COMMAND' },
    ]);
    expect(await handleCommand(new InMemoryEventStore(), revoked())).toMatchObject(
      E.left({ code: 'INVALID_COMMAND' }),
    );
    expect(await handleCommand(revoked() as never, command)).toMatchObject(
      E.left({ code: 'INVALID_COMMAND' }),
    );
  });

  it('given one inside a message, an option or an append, then the field is named, and nothing throws', async () => {
    const event = tenantHistory()[0] as DomainEvent;
    expect(decodeCommand({ ...command, data: revoked() })).toMatchObject(E.left({ details: ['data'] }));
    expect(handle([], { ...command, metadata: revoked() })).toMatchObject(E.left({ details: ['metadata'] }));
    expect(handle([], { ...command, metadata: { ...command.metadata, actor: revoked() } })).toMatchObject(
      E.left({ details: ['metadata.actor'] }),
    );
    expect(decodeEvent({ ...event, data: revoked() })).toMatchObject(E.left({ details: ['data'] }));
    expect(handle([{ ...event, metadata: revoked() }], command)).toMatchObject(
      E.left({ details: ['history[0].metadata'] }),
    );
    expect(
      await handleCommand(new InMemoryEventStore(), command, { cache: revoked() as never }),
    ).toMatchObject(E.left({ details: ['options.cache'] }));
    await expect(
      new InMemoryEventStore().appendToStream('partner-p1', revoked() as never, { expectedVersion: 'any' }),
    ).rejects.toBeInstanceOf(EventStoreRequestError);
  });
});
