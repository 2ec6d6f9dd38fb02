import { describe, expect, it } from 'vitest';
import { audit, defaultRules, rules2023, type Finding } from 'apss-domain';
import { deploymentOf, pulled, record, serviceOf, tenantOf, usageOf } from '../builders.js';

const codes = (findings: readonly Finding[]) => findings.map((f) => [f.position, f.code]);

describe('audit: a clean log', () => {
  it('given a log of partners interleaved that keeps every rule, then there are no findings and every record is counted', async () => {
    const [p1a, p1b] = tenantOf('p1');
    const [p2a, p2b] = tenantOf('p2');
    const log = [p1a, p2a, p1b, p2b, usageOf('p2', 'p2-s1', 'u1'), usageOf('p1', 'p1-s1', 'u1')];
    expect(await audit(log)).toEqual({ records: 6, events: 6, partners: 2, findings: [] });
  });

  it('given an empty log, then the report is empty', async () => {
    expect(await audit([])).toEqual({ records: 0, events: 0, partners: 0, findings: [] });
  });

  it('given old schema versions, then they are upcast and judged like current ones', async () => {
    const at = '2018-06-01T10:00:00Z';
    const log = [
      record('SharedTenantCreated', { tenantId: 't1' }, { at }),
      record('ApssSubscriptionPurchased', { tenantId: 't1', subscriptionId: 's1' }, { at, schemaVersion: 1 }),
      record(
        'MarketplaceOfferDeployed',
        { subscriptionId: 's1', deploymentId: 'd1', offerId: 'o', publisherId: 'pub', pricing: 'byol' },
        { at: '2019-03-01T00:00:00Z', schemaVersion: 1 },
      ),
    ];
    const report = await audit(log);
    expect(report.events).toBe(3);
    // Version 1 had no channel: it was a Marketplace deployment, and this one is at the cutoff.
    expect(codes(report.findings)).toEqual([[3, 'MARKETPLACE_CUTOFF']]);
  });
});

describe('audit: each finding says where, whose, which rule and why', () => {
  it('given a BYOL Marketplace deployment at the cutoff written with an offset, then MARKETPLACE_CUTOFF names the deployment and the cutoff', async () => {
    const log = [
      ...tenantOf('p1', 't1', 's1', { at: '2019-01-10T10:00:00Z' }),
      deploymentOf('p1', 's1', 'd1', 'byol', 'marketplace', { at: '2019-02-28T22:00:00-02:00' }),
    ];
    const { findings } = await audit(log);
    expect(findings).toEqual([
      {
        position: 3,
        code: 'MARKETPLACE_CUTOFF',
        partnerId: 'p1',
        eventType: 'MarketplaceOfferDeployed',
        message: expect.stringMatching(
          /byol Marketplace deployment d1 at 2019-03-01T00:00:00.000Z is on or after the cutoff/,
        ),
      },
    ]);
  });

  it('given Office 365 on the shared tenant, then SHARED_TENANT_EXCLUSIVE', async () => {
    const { findings } = await audit([...tenantOf('p1', 't1'), serviceOf('p1', 't1', 'o365')]);
    expect(codes(findings)).toEqual([[3, 'SHARED_TENANT_EXCLUSIVE']]);
    expect(findings[0]?.message).toMatch(/Office365 service o365 on the shared services tenant t1/);
  });

  it('given a backdated event, then OUT_OF_ORDER names both instants', async () => {
    const log = [
      ...tenantOf('p1', 't1', 's1', { at: '2019-04-01T10:00:00Z' }),
      deploymentOf('p1', 's1', 'd1', 'free', 'marketplace', { at: '2019-02-20T10:00:00Z' }),
    ];
    const { findings } = await audit(log);
    expect(codes(findings)).toEqual([[3, 'OUT_OF_ORDER']]);
    expect(findings[0]?.message).toMatch(
      /2019-02-20T10:00:00.000Z is earlier than the partner's latest event at 2019-04-01T10:00:00.000Z/,
    );
  });

  it("given a backdated decoy, then a deployment dated after it but before the partner's latest event is OUT_OF_ORDER too, and does not slip under the cutoff", async () => {
    const log = [
      ...tenantOf('p1', 't1', 's1', { at: '2019-03-10T00:00:00Z' }),
      deploymentOf('p1', 's1', 'd0', 'free', 'marketplace', { at: '2019-02-01T00:00:00Z' }),
      deploymentOf('p1', 's1', 'd1', 'byol', 'marketplace', { at: '2019-02-02T00:00:00Z' }),
    ];
    const { findings } = await audit(log);
    expect(codes(findings)).toEqual([
      [3, 'OUT_OF_ORDER'],
      [4, 'OUT_OF_ORDER'],
    ]);
    expect(findings[1]?.message).toMatch(
      /earlier than the partner's latest event at 2019-03-10T00:00:00.000Z/,
    );
  });

  it('given a role that may not act, then ROLE_NOT_PERMITTED names the actor and the rule set', async () => {
    const log = [
      ...tenantOf('p1', 't1', 's1'),
      record('SubscriptionCancelled', { subscriptionId: 's1' }, { role: 'HelpdeskAgent', actor: 'kim' }),
    ];
    const { findings } = await audit(log);
    expect(codes(findings)).toEqual([[3, 'ROLE_NOT_PERMITTED']]);
    expect(findings[0]?.message).toMatch(
      /HelpdeskAgent kim may not record SubscriptionCancelled under rule set default/,
    );
  });

  it('given an event that breaks several rules, then each is its own finding, in rule-table order', async () => {
    // A paid Marketplace offer, by a helpdesk agent, on a subscription the partner does not have.
    const log = [
      ...tenantOf('p1', 't1', 's1'),
      deploymentOf('p1', 'nope', 'd1', 'paid', 'marketplace', { role: 'HelpdeskAgent' }),
    ];
    const { findings } = await audit(log);
    expect(codes(findings)).toEqual([
      [3, 'ROLE_NOT_PERMITTED'],
      [3, 'SUBSCRIPTION_NOT_FOUND'],
      [3, 'THIRD_PARTY_OFFER_NOT_SUPPORTED'],
    ]);
  });

  it('given a refused event, then it is applied anyway: what it introduced is there for the events after it', async () => {
    // The subscription is bought before any tenant exists (refused), yet usage of it later is known.
    const purchase = record('ApssSubscriptionPurchased', {
      tenantId: 't9',
      subscriptionId: 's9',
      subscriptionName: 'x',
    });
    const { findings } = await audit([purchase, usageOf('p1', 's9', 'u1')]);
    expect(codes(findings)).toEqual([[1, 'NO_SHARED_TENANT']]);
  });
});

describe('audit: malformed records', () => {
  it('given a record with bad fields, then MALFORMED_EVENT at its position names every bad field, and the audit goes on', async () => {
    const bad = usageOf('p1', 'p1-s1', 'u2', '2020-13-01');
    (bad.data as Record<string, unknown>).quantity = -3;
    const log = [...tenantOf('p1'), bad, usageOf('p1', 'p1-s1', 'u1')];
    const report = await audit(log);
    expect(report).toMatchObject({ records: 4, events: 3, partners: 1 });
    expect(report.findings).toEqual([
      {
        position: 3,
        code: 'MALFORMED_EVENT',
        partnerId: 'p1',
        eventType: 'UsageRecorded',
        message: expect.stringMatching(
          /data\.usageDate must be a calendar day.*data\.quantity must be a finite number >= 0/,
        ),
      },
    ]);
  });

  it('given a malformed record, then it changes nothing: an id it would have taken is still free', async () => {
    const bad = usageOf('p1', 'p1-s1', 'u1');
    (bad.data as Record<string, unknown>).currency = 'EURO';
    const { findings } = await audit([...tenantOf('p1'), bad, usageOf('p1', 'p1-s1', 'u1')]);
    expect(codes(findings)).toEqual([[3, 'MALFORMED_EVENT']]);
  });

  it.each([
    ['null', null],
    ['a number', 42],
    ['a string', 'SharedTenantCreated'],
    ['an array', [1, 2]],
    ['an unknown event type', { type: 'TenantDeleted', data: {}, metadata: {} }],
    [
      'a version newer than the library knows',
      {
        ...record('SharedTenantCreated', { tenantId: 't' }),
        metadata: { actor: { id: 'a', role: 'AdminAgent' }, at: '2020-01-01T00:00:00Z', schemaVersion: 9 },
      },
    ],
  ])('given %s as a record, then it is MALFORMED_EVENT and the audit goes on', async (_, value) => {
    const report = await audit([value, ...tenantOf('p1')]);
    expect(report).toMatchObject({ records: 3, events: 2, partners: 1 });
    expect(codes(report.findings)).toEqual([[1, 'MALFORMED_EVENT']]);
  });
});

describe('audit: a malformed record whose fields throw when read', () => {
  const boom = (): never => {
    throw new Error('boom');
  };
  it.each([
    [
      'its data',
      {
        type: 'NotAnEvent',
        get data() {
          return boom();
        },
        metadata: {},
      },
    ],
    [
      'its partner id',
      {
        type: 'NotAnEvent',
        data: {
          get partnerId() {
            return boom();
          },
        },
        metadata: {},
      },
    ],
  ])(
    'given a record of no event type whose %s throws, then it is still a MALFORMED_EVENT finding at its position',
    async (_, value) => {
      const report = await audit([...tenantOf('p1'), value]);
      expect(report).toMatchObject({ records: 3, events: 2 });
      expect(codes(report.findings)).toEqual([[3, 'MALFORMED_EVENT']]);
    },
  );
});

describe('audit: many partners in one log', () => {
  it('given partners interleaved, then each event is judged against its own partner only', async () => {
    // p2's usage names s1, which only p1 has: for p2 it is unknown.
    const log = [
      ...tenantOf('p1', 't1', 's1'),
      ...tenantOf('p2', 't2', 's2'),
      usageOf('p2', 's1', 'u1'),
      usageOf('p1', 's1', 'u1'),
    ];
    const { findings, partners } = await audit(log);
    expect(partners).toBe(2);
    expect(findings).toEqual([
      expect.objectContaining({ position: 5, partnerId: 'p2', code: 'SUBSCRIPTION_NOT_FOUND' }),
    ]);
  });

  it('given the same ids at two partners, then they are not duplicates', async () => {
    const log = [
      ...tenantOf('p1', 't', 's'),
      ...tenantOf('p2', 't', 's'),
      usageOf('p1', 's', 'u'),
      usageOf('p2', 's', 'u'),
    ];
    expect((await audit(log)).findings).toEqual([]);
  });

  it("given one partner that is backdated, then the other partner's earlier instants are no concern of it", async () => {
    const log = [
      ...tenantOf('p1', 't1', 's1', { at: '2021-01-01T00:00:00Z' }),
      ...tenantOf('p2', 't2', 's2', { at: '2019-01-01T00:00:00Z' }),
    ];
    expect((await audit(log)).findings).toEqual([]);
  });
});

describe('audit: rule sets', () => {
  const log = [...tenantOf('p1', 't1', 's1', { role: 'GlobalAdmin' }), usageOf('p1', 's1', 'u1')];

  it('given a global admin acting, then the default rules (11/11/2020) find nothing', async () => {
    expect((await audit(log, { rules: defaultRules })).findings).toEqual([]);
    expect((await audit(log)).findings).toEqual([]);
  });

  it("given the same log under the 2023 rules, then each of the global admin's events is ROLE_NOT_PERMITTED", async () => {
    expect(codes((await audit(log, { rules: rules2023 })).findings)).toEqual([
      [1, 'ROLE_NOT_PERMITTED'],
      [2, 'ROLE_NOT_PERMITTED'],
    ]);
  });

  it('given a rule set that is not one, then the report reads nothing and says why at position 0, as decide would refuse', async () => {
    const source = pulled(log);
    const report = await audit(source, { rules: { ...defaultRules, marketplaceCutoff: 'soon' } as never });
    expect(report).toEqual({
      records: 0,
      events: 0,
      partners: 0,
      findings: [
        {
          position: 0,
          code: 'INVALID_COMMAND',
          message: expect.stringMatching(/invalid rule set: marketplaceCutoff must be an ISO-8601 instant/),
        },
      ],
    });
    expect(source.handedOut()).toBe(0);
  });

  it('given an option it does not know (rule for rules), then the report reads nothing and names it: the audit does not run under the default rules instead', async () => {
    const report = await audit(log, { rule: rules2023 } as never);
    expect(report).toMatchObject({ records: 0, findings: [{ position: 0, code: 'INVALID_COMMAND' }] });
    expect(report.findings[0]?.message).toBe('invalid options: rule is not a known field');
  });

  it.each([
    ['a number', 7],
    ['an array', []],
    ['null', null],
  ])(
    'given %s for options, then it is treated as no options or refused, never thrown',
    async (_, options) => {
      const report = await audit(log, options as never);
      if (options === null) expect(report.findings).toEqual([]);
      else
        expect(report.findings).toEqual([expect.objectContaining({ position: 0, code: 'INVALID_COMMAND' })]);
    },
  );
});

describe('audit: sources', () => {
  it('given an async iterable, then it is read one record at a time and gives the same report as an array', async () => {
    const log = [...tenantOf('p1'), serviceOf('p1', 'p1-t', 'x')];
    const source = pulled(log);
    expect(await audit(source)).toEqual(await audit(log));
    expect(source.handedOut()).toBe(3);
  });

  it('given many records held in memory, then the event loop turns while they are judged: a service goes on answering', async () => {
    let turned = false;
    let turnedAt: number | undefined;
    function* records(): Generator<unknown> {
      for (let at = 1; at <= 20_000; at++) {
        if (turned) turnedAt ??= at;
        yield {};
      }
    }
    setImmediate(() => (turned = true));
    const report = await audit(records());
    expect(report.findings).toHaveLength(20_000);
    // The first turn comes after a few thousand records, not after the last.
    expect(turnedAt).toBeLessThan(10_000);
  });

  it('given a source that fails while read, then the report keeps what was read and a finding says where it stopped', async () => {
    async function* failing() {
      yield* tenantOf('p1');
      throw new Error('connection reset');
    }
    const report = await audit(failing());
    expect(report).toMatchObject({ records: 2, events: 2 });
    expect(report.findings).toEqual([
      {
        position: 3,
        code: 'MALFORMED_EVENT',
        message: 'the audit stopped after 2 records: connection reset',
      },
    ]);
  });

  it.each([
    ['undefined', undefined],
    ['a number', 3],
    ['a string', '{"type":"SharedTenantCreated"}'],
    ['a plain object', { a: 1 }],
  ])(
    'given %s instead of records, then the report says so at position 0, never a rejection',
    async (_, records) => {
      const report = await audit(records as never);
      expect(report).toEqual({
        records: 0,
        events: 0,
        partners: 0,
        findings: [
          {
            position: 0,
            code: 'MALFORMED_EVENT',
            message: expect.stringMatching(/must be an iterable or async iterable/),
          },
        ],
      });
    },
  );
});
