import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import {
  DEFAULT_SUBSCRIPTION_NAME,
  commandTypes,
  decide,
  defaultRules,
  fold,
  roles,
  rules2023,
  type Command,
  type CommandType,
  type DomainEvent,
  type RoleName,
  type RuleSet,
} from 'apss-domain';
import { given } from 'apss-domain/testing';
import {
  buyRi,
  cancel,
  cancelled,
  command,
  createTenant,
  deploy,
  migrate,
  provision,
  purchase,
  purchased,
  tenantCreated,
  usage,
} from '../builders.js';

// Specs of the decider with the given/when/then helper of apss-domain/testing: given events, when a
// command, then events or a rejection code. Most givens are written as the commands that record them.

/** The events these commands record one after the other, each accepted on the events before it. */
const recorded = (commands: readonly Command[], rules?: RuleSet): DomainEvent[] =>
  commands.reduce<DomainEvent[]>(
    (events, c) => [...events, ...given(events, { rules }).when(c).thenEvents()],
    [],
  );

/** Given the events these commands record. */
const after = (commands: readonly Command[], rules?: RuleSet) => given(recorded(commands, rules), { rules });

describe('the events a command records', () => {
  it('CreateSharedTenant records the tenant, then its first APSS subscription with the default name', () => {
    const metadata = { actor: { id: 'ann', role: 'GlobalAdmin' }, at: '2019-03-01T01:30:00.000Z' };
    given([])
      .when(createTenant('t1', 's1', { at: '2019-02-28T23:30:00-02:00', role: 'GlobalAdmin', actor: 'ann' }))
      .thenEvents([
        {
          type: 'SharedTenantCreated',
          data: { partnerId: 'p1', tenantId: 't1' },
          metadata: { ...metadata, schemaVersion: 1 },
        },
        {
          type: 'ApssSubscriptionPurchased',
          data: {
            partnerId: 'p1',
            tenantId: 't1',
            subscriptionId: 's1',
            subscriptionName: DEFAULT_SUBSCRIPTION_NAME,
          },
          metadata: { ...metadata, schemaVersion: 2 },
        },
      ]);
  });

  it('a command id becomes the causation and correlation id of its events', () => {
    const c = createTenant();
    const [event] = after([])
      .when({ ...c, metadata: { ...c.metadata, commandId: 'cmd-7' } })
      .thenEvents();
    expect(event?.metadata).toMatchObject({ causationId: 'cmd-7', correlationId: 'cmd-7' });
  });

  it.each([
    [purchase('s2'), 'ApssSubscriptionPurchased'],
    [cancel('s1'), 'SubscriptionCancelled'],
    [migrate('s1'), 'SubscriptionMigratedToWebDirect'],
    [buyRi('s1'), 'ReservedInstancePurchased'],
    [deploy('s1', 'byol', 'isv-direct'), 'MarketplaceOfferDeployed'],
    [provision('t2'), 'ServiceProvisioned'],
    [usage('s1', '2018-06-01'), 'UsageRecorded'],
  ] as const)('%#: %s records one %s event carrying the command data', (c, type) => {
    const events = after([createTenant('t1', 's1', { at: '2018-06-01T08:00:00Z' })])
      .when(c)
      .thenEvents();
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe(type);
    expect(events[0]?.data).toMatchObject(c.data);
  });
});

describe('R1 one partner: PARTNER_MISMATCH', () => {
  it('refuses a command for another partner than the state belongs to', () => {
    const c = purchase('s2');
    after([createTenant()])
      .when({ ...c, data: { ...c.data, partnerId: 'p2' } })
      .thenRejected('PARTNER_MISMATCH');
  });
  it('accepts the first command of any partner on the initial state', () => {
    const c = createTenant();
    after([])
      .when({ ...c, data: { ...c.data, partnerId: 'p2' } })
      .thenEvents();
  });
});

describe('R2 chronology: OUT_OF_ORDER', () => {
  const start = createTenant('t1', 's1', { at: '2019-02-28T23:30:00Z' });
  it('refuses a command earlier than the previous event', () => {
    after([start])
      .when(purchase('s2', 't1', { at: '2019-02-28T23:29:59.999Z' }))
      .thenRejected('OUT_OF_ORDER');
  });
  it('accepts a command at the same instant as the previous event', () => {
    after([start])
      .when(purchase('s2', 't1', { at: '2019-02-28T23:30:00Z' }))
      .thenEvents();
  });
  it('compares instants, not strings: +02:00 that reads later but is earlier is refused', () => {
    after([start])
      .when(purchase('s2', 't1', { at: '2019-03-01T01:00:00+02:00' }))
      .thenRejected('OUT_OF_ORDER');
  });
  it('compares instants, not strings: -02:00 that reads earlier but is later is accepted', () => {
    after([start])
      .when(purchase('s2', 't1', { at: '2019-02-28T22:00:00-02:00' }))
      .thenEvents();
  });
  it("given a backdated event in the history, then a command dated after it but before the partner's latest event is refused: the partner's time never goes back", () => {
    const history = [
      tenantCreated('t1', { at: '2019-03-10T00:00:00Z' }),
      purchased('s1', 't1', { at: '2019-03-10T00:00:00Z' }),
      // The decoy: OUT_OF_ORDER itself, and applied anyway, as every event that happened is.
      cancelled('s9', { at: '2019-02-01T00:00:00Z' }),
    ];
    given(history)
      .when(deploy('s1', 'byol', 'marketplace', { at: '2019-02-02T00:00:00Z' }))
      .thenRejected('OUT_OF_ORDER');
    given(history)
      .when(deploy('s1', 'byol', 'marketplace', { at: '2019-03-10T00:00:00Z' }))
      .thenRejected('MARKETPLACE_CUTOFF');
  });
  it('stops a backdated deployment from slipping under the cutoff', () => {
    after([start, purchase('s2', 't1', { at: '2019-03-02T00:00:00Z' })])
      .when(deploy('s1', 'byol', 'marketplace', { at: '2019-02-27T00:00:00Z' }))
      .thenRejected('OUT_OF_ORDER');
  });
});

describe('R2 and R12 on a state folded from events made by hand, in another form of instant', () => {
  // A DomainEvent's instant is a string: one made by hand may leave out the milliseconds, or give an offset.
  const at = <T extends DomainEvent>(event: T, instant: string): T => ({
    ...event,
    metadata: { ...event.metadata, at: instant },
  });
  const state = fold([
    at(tenantCreated('t1'), '2019-02-28T21:00:00Z'),
    at(purchased('s1', 't1'), '2019-02-28T23:30:00-02:00'),
    at(purchased('s2', 't1'), '2019-03-01T01:30:00Z'),
  ]);

  it('given such events, the state keeps their instants in UTC', () => {
    expect(state.lastEventAt).toBe('2019-03-01T01:30:00.000Z');
    expect(state.subscriptions.get('s1')?.purchasedAt).toBe('2019-03-01T01:30:00.000Z');
  });
  it('when a command comes half a second after the last of them, it is not taken for earlier', () => {
    expect(E.isRight(decide(cancel('s1', { at: '2019-03-01T01:30:00.500Z' }), state))).toBe(true);
  });
  it('when usage is dated the local day of the purchase, the day before it in UTC, it is outside the period', () => {
    const decision = decide(usage('s1', '2019-02-28', 'u1', { at: '2019-03-02T00:00:00Z' }), state);
    expect(E.isLeft(decision) && decision.left.code).toBe('USAGE_OUTSIDE_SUBSCRIPTION_PERIOD');
  });
});

describe('R3 roles: ROLE_NOT_PERMITTED', () => {
  const asRole = (type: CommandType, role: RoleName) => {
    const when = { role };
    switch (type) {
      case 'CreateSharedTenant':
        return { givens: [], c: createTenant('t1', 's1', when) };
      case 'PurchaseApss':
        return { givens: [createTenant()], c: purchase('s2', 't1', when) };
      case 'CancelSubscription':
        return { givens: [createTenant()], c: cancel('s1', when) };
      case 'MigrateToWebDirect':
        return { givens: [createTenant()], c: migrate('s1', when) };
      case 'BuyReservedInstance':
        return { givens: [createTenant()], c: buyRi('s1', 'ri1', when) };
      case 'DeployMarketplaceOffer':
        return { givens: [createTenant()], c: deploy('s1', 'byol', 'isv-direct', when) };
      case 'ProvisionService':
        return { givens: [createTenant()], c: provision('t2', 'Office365', 'svc1', when) };
      case 'RecordUsage':
        return {
          givens: [createTenant('t1', 's1', { at: '2018-06-01T00:00:00Z' })],
          c: usage('s1', '2018-06-01', 'u1', when),
        };
    }
  };
  const cases = commandTypes.flatMap((type) => roles.map((role) => [type, role] as const));
  const partnerRoles = {
    default: ['GlobalAdmin', 'AdminAgent', 'SalesAgent'],
    '2023': ['AdminAgent', 'SalesAgent'],
  };
  for (const [name, rules] of [
    ['default', undefined],
    ['2023', rules2023],
  ] as const) {
    it.each(cases)(`under the ${name} rule set, %s by %s`, (type, role) => {
      const { givens, c } = asRole(type, role);
      const permitted = type === 'RecordUsage' ? role === 'System' : partnerRoles[name].includes(role);
      const then = after(givens).when(c);
      if (rules !== undefined) {
        const again = after(givens, rules).when(c);
        if (permitted) again.thenEvents();
        else again.thenRejected('ROLE_NOT_PERMITTED');
      } else if (permitted) then.thenEvents();
      else then.thenRejected('ROLE_NOT_PERMITTED');
    });
  }
});

describe('several rules broken by one command of two events: the first in the table names the rejection', () => {
  it('given a tenant, when a role that may create a tenant but not buy a subscription creates one again, then R3 ROLE_NOT_PERMITTED (its second event) before R4 TENANT_ALREADY_EXISTS (its first)', () => {
    const rules: RuleSet = {
      ...defaultRules,
      name: 'tenants by global admins, subscriptions by agents',
      permittedRoles: { ...defaultRules.permittedRoles, ApssSubscriptionPurchased: ['AdminAgent'] },
    };
    after([createTenant('t1', 's1', { role: 'AdminAgent' })], rules)
      .when(createTenant('t1', 's9', { role: 'GlobalAdmin' }))
      .thenRejected('ROLE_NOT_PERMITTED');
  });
});

describe('R4 one tenant: TENANT_ALREADY_EXISTS', () => {
  it('refuses a second shared tenant', () => {
    after([createTenant('t1', 's1')])
      .when(createTenant('t2', 's2'))
      .thenRejected('TENANT_ALREADY_EXISTS');
  });
  it('refuses to re-create the tenant after every subscription was cancelled or migrated', () => {
    after([createTenant('t1', 's1'), purchase('s2'), cancel('s1'), migrate('s2')])
      .when(createTenant('t1', 's3'))
      .thenRejected('TENANT_ALREADY_EXISTS');
  });
});

describe('R5 fresh tenant: TENANT_NOT_EXCLUSIVE', () => {
  it('refuses a tenant that already has an Office 365 service as the shared tenant', () => {
    after([provision('t9', 'Office365', 'o365')])
      .when(createTenant('t9', 's1'))
      .thenRejected('TENANT_NOT_EXCLUSIVE');
  });
  it('accepts a new tenant beside a tenant that has other services', () => {
    after([provision('t9', 'Dynamics365', 'crm')])
      .when(createTenant('t1', 's1'))
      .thenEvents();
  });
});

describe('R6 exclusive: SHARED_TENANT_EXCLUSIVE', () => {
  it.each(['Office365', 'Dynamics365', 'Azure', 'Other'] as const)(
    'refuses %s on the shared tenant',
    (product) => {
      after([createTenant('t1')])
        .when(provision('t1', product))
        .thenRejected('SHARED_TENANT_EXCLUSIVE');
    },
  );
  it('accepts Office 365 on another tenant of the partner', () => {
    after([createTenant('t1')])
      .when(provision('t2', 'Office365'))
      .thenEvents();
  });
});

describe('R7 offer placement: NO_SHARED_TENANT, NOT_SHARED_TENANT', () => {
  it('refuses an APSS purchase before the shared tenant exists', () => {
    after([]).when(purchase('s1', 't1')).thenRejected('NO_SHARED_TENANT');
  });
  it('refuses an APSS purchase into another tenant', () => {
    after([createTenant('t1')])
      .when(purchase('s2', 't2'))
      .thenRejected('NOT_SHARED_TENANT');
  });
  it('accepts more APSS subscriptions into the shared tenant, named as the command says', () => {
    const c = purchase('s2', 't1');
    const [event] = after([createTenant('t1', 's1', { at: '2018-01-01T00:00:00Z' })])
      .when({ ...c, data: { ...c.data, subscriptionName: 'Dev/Test' } })
      .thenEvents();
    expect(event?.data).toMatchObject({ subscriptionId: 's2', subscriptionName: 'Dev/Test' });
  });
});

describe('R8 live subscription: SUBSCRIPTION_NOT_FOUND, SUBSCRIPTION_NOT_ACTIVE', () => {
  const acts = {
    cancel: (s: string) => cancel(s),
    migrate: (s: string) => migrate(s),
    'buy an RI': (s: string) => buyRi(s, 'ri9'),
    deploy: (s: string) => deploy(s, 'byol', 'isv-direct', undefined, 'd9'),
  };
  for (const [name, act] of Object.entries(acts)) {
    it(`refuses to ${name} on an unknown subscription`, () => {
      after([createTenant()]).when(act('nope')).thenRejected('SUBSCRIPTION_NOT_FOUND');
    });
    it(`refuses to ${name} on a cancelled subscription`, () => {
      after([createTenant(), cancel('s1')])
        .when(act('s1'))
        .thenRejected('SUBSCRIPTION_NOT_ACTIVE');
    });
    it(`refuses to ${name} on a migrated subscription`, () => {
      after([createTenant(), migrate('s1')])
        .when(act('s1'))
        .thenRejected('SUBSCRIPTION_NOT_ACTIVE');
    });
  }
  it('refuses usage of an unknown subscription', () => {
    after([createTenant('t1', 's1', { at: '2018-06-01T00:00:00Z' })])
      .when(usage('nope', '2018-06-01'))
      .thenRejected('SUBSCRIPTION_NOT_FOUND');
  });
  it('accepts usage of a cancelled subscription, reported after the fact', () => {
    after([
      createTenant('t1', 's1', { at: '2018-06-01T00:00:00Z' }),
      cancel('s1', { at: '2018-06-03T12:00:00Z' }),
    ])
      .when(usage('s1', '2018-06-02', 'u1', { at: '2018-06-05T00:00:00Z' }))
      .thenEvents();
  });
});

describe('R9 unique ids: DUPLICATE_ID', () => {
  const start = [createTenant('t1', 's1', { at: '2018-06-01T00:00:00Z' })];
  it('refuses a subscription id already used, even one now cancelled', () => {
    after([...start, cancel('s1')])
      .when(purchase('s1'))
      .thenRejected('DUPLICATE_ID');
  });
  it('refuses a reservation id already used', () => {
    after([...start, buyRi('s1', 'ri1')])
      .when(buyRi('s1', 'ri1'))
      .thenRejected('DUPLICATE_ID');
  });
  it('refuses a deployment id already used', () => {
    after([...start, deploy('s1', 'byol', 'isv-direct')])
      .when(deploy('s1', 'free', 'isv-direct'))
      .thenRejected('DUPLICATE_ID');
  });
  it('refuses a service id already used', () => {
    after([...start, provision('t2', 'Office365', 'x')])
      .when(provision('t3', 'Dynamics365', 'x'))
      .thenRejected('DUPLICATE_ID');
  });
  it('refuses a usage id already used', () => {
    after([...start, usage('s1', '2018-06-01', 'u1')])
      .when(usage('s1', '2018-06-02', 'u1'))
      .thenRejected('DUPLICATE_ID');
  });
  it('accepts the same id for records of different kinds', () => {
    after([...start, buyRi('s1', 'x')])
      .when(deploy('s1', 'byol', 'isv-direct', undefined, 'x'))
      .thenEvents();
  });
  it('treats any string as an ordinary id, __proto__ and constructor included', () => {
    const odd = [createTenant('t1', '__proto__'), purchase('constructor'), cancel('__proto__')];
    after(odd).when(purchase('__proto__')).thenRejected('DUPLICATE_ID');
    after(odd).when(buyRi('__proto__')).thenRejected('SUBSCRIPTION_NOT_ACTIVE');
    after(odd).when(buyRi('constructor', 'hasOwnProperty')).thenEvents();
  });
});

describe('R10 no paid third party: THIRD_PARTY_OFFER_NOT_SUPPORTED', () => {
  it.each(['marketplace', 'isv-direct'] as const)(
    'refuses a paid offer through %s, even before the cutoff',
    (channel) => {
      after([createTenant('t1', 's1', { at: '2018-01-01T00:00:00Z' })])
        .when(deploy('s1', 'paid', channel, { at: '2018-02-01T00:00:00Z' }))
        .thenRejected('THIRD_PARTY_OFFER_NOT_SUPPORTED');
    },
  );
});

describe('R11 marketplace cutoff: MARKETPLACE_CUTOFF', () => {
  const start = [createTenant('t1', 's1', { at: '2018-01-01T00:00:00Z' })];
  it.each(['byol', 'free'] as const)(
    'refuses %s through the Marketplace at the cutoff instant itself',
    (pricing) => {
      after(start)
        .when(deploy('s1', pricing, 'marketplace', { at: '2019-03-01T00:00:00Z' }))
        .thenRejected('MARKETPLACE_CUTOFF');
    },
  );
  it.each(['byol', 'free'] as const)('accepts %s through the Marketplace a millisecond before', (pricing) => {
    after(start)
      .when(deploy('s1', pricing, 'marketplace', { at: '2019-02-28T23:59:59.999Z' }))
      .thenEvents();
  });
  it('refuses at the cutoff written with an offset (01:00+01:00)', () => {
    after(start)
      .when(deploy('s1', 'byol', 'marketplace', { at: '2019-03-01T01:00:00+01:00' }))
      .thenRejected('MARKETPLACE_CUTOFF');
  });
  it('accepts a local 1 March that is still 28 February in UTC (00:30+01:00)', () => {
    after(start)
      .when(deploy('s1', 'byol', 'marketplace', { at: '2019-03-01T00:30:00+01:00' }))
      .thenEvents();
  });
  it('refuses a local 28 February that is already 1 March in UTC (23:30-02:00)', () => {
    after(start)
      .when(deploy('s1', 'free', 'marketplace', { at: '2019-02-28T23:30:00-02:00' }))
      .thenRejected('MARKETPLACE_CUTOFF');
  });
  it.each(['byol', 'free'] as const)('accepts %s from the ISV directly, long after the cutoff', (pricing) => {
    after(start)
      .when(deploy('s1', pricing, 'isv-direct', { at: '2021-06-01T00:00:00Z' }))
      .thenEvents();
  });
  it('keeps deployments made before the cutoff valid: the subscription goes on after it', () => {
    after([...start, deploy('s1', 'byol', 'marketplace', { at: '2019-01-15T00:00:00Z' })])
      .when(buyRi('s1', 'ri1', { at: '2020-01-01T00:00:00Z' }))
      .thenEvents();
  });
  it('uses the cutoff of the rule set it is given', () => {
    const later = { ...rules2023, name: 'cutoff-2020', marketplaceCutoff: '2020-01-01T00:00:00Z' };
    after(start, later)
      .when(deploy('s1', 'byol', 'marketplace', { at: '2019-06-01T00:00:00Z' }))
      .thenEvents();
  });
});

describe('R12 usage period: USAGE_OUTSIDE_SUBSCRIPTION_PERIOD', () => {
  const bought = createTenant('t1', 's1', { at: '2018-06-10T15:00:00Z' });
  it('accepts usage on the purchase day', () => {
    after([bought]).when(usage('s1', '2018-06-10')).thenEvents();
  });
  it('refuses usage the day before the purchase', () => {
    after([bought]).when(usage('s1', '2018-06-09')).thenRejected('USAGE_OUTSIDE_SUBSCRIPTION_PERIOD');
  });
  it('takes the purchase day in UTC: bought 23:30-02:00 on the 9th is the 10th', () => {
    after([createTenant('t1', 's1', { at: '2018-06-09T23:30:00-02:00' })])
      .when(usage('s1', '2018-06-09'))
      .thenRejected('USAGE_OUTSIDE_SUBSCRIPTION_PERIOD');
  });
  it('accepts usage dated the day it is recorded', () => {
    after([bought])
      .when(usage('s1', '2018-06-12', 'u1', { at: '2018-06-12T23:59:00Z' }))
      .thenEvents();
  });
  it('refuses usage dated after the day it is recorded: billing reports usage after the fact', () => {
    after([bought])
      .when(usage('s1', '2018-06-13', 'u1', { at: '2018-06-12T23:59:00Z' }))
      .thenRejected('USAGE_OUTSIDE_SUBSCRIPTION_PERIOD');
  });
  for (const [ending, end] of [
    ['cancellation', cancel],
    ['migration', migrate],
  ] as const) {
    const ended = [bought, end('s1', { at: '2018-07-20T08:00:00Z' })];
    it(`accepts usage on the day of ${ending}`, () => {
      after(ended)
        .when(usage('s1', '2018-07-20', 'u1', { at: '2018-07-25T00:00:00Z' }))
        .thenEvents();
    });
    it(`refuses usage the day after ${ending}`, () => {
      after(ended)
        .when(usage('s1', '2018-07-21', 'u1', { at: '2018-07-25T00:00:00Z' }))
        .thenRejected('USAGE_OUTSIDE_SUBSCRIPTION_PERIOD');
    });
  }
});

describe('precedence: the first broken rule in table order names the rejection', () => {
  it('R2 before R3: a backdated command by a role that may not act is OUT_OF_ORDER', () => {
    after([createTenant('t1', 's1', { at: '2019-01-01T00:00:00Z' })])
      .when(purchase('s2', 't1', { at: '2018-01-01T00:00:00Z', role: 'BillingAdmin' }))
      .thenRejected('OUT_OF_ORDER');
  });
  it('R3 before R11: a post-cutoff Marketplace BYOL by a helpdesk agent is ROLE_NOT_PERMITTED', () => {
    after([createTenant('t1', 's1', { at: '2019-01-01T00:00:00Z' })])
      .when(deploy('s1', 'byol', 'marketplace', { at: '2019-05-01T00:00:00Z', role: 'HelpdeskAgent' }))
      .thenRejected('ROLE_NOT_PERMITTED');
  });
  it('R4 before R5: a second tenant that has other services is TENANT_ALREADY_EXISTS', () => {
    after([createTenant('t1'), provision('t2')])
      .when(createTenant('t2', 's2'))
      .thenRejected('TENANT_ALREADY_EXISTS');
  });
  it('R8 before R10: a paid offer on an unknown subscription is SUBSCRIPTION_NOT_FOUND', () => {
    after([createTenant()])
      .when(deploy('nope', 'paid', 'marketplace'))
      .thenRejected('SUBSCRIPTION_NOT_FOUND');
  });
  it('R9 before R11: a post-cutoff BYOL deployment reusing an id is DUPLICATE_ID', () => {
    after([
      createTenant('t1', 's1', { at: '2019-01-01T00:00:00Z' }),
      deploy('s1', 'byol', 'isv-direct', { at: '2019-02-01T00:00:00Z' }),
    ])
      .when(deploy('s1', 'byol', 'marketplace', { at: '2019-04-01T00:00:00Z' }))
      .thenRejected('DUPLICATE_ID');
  });
  it('R10 before R11: a paid Marketplace offer after the cutoff is THIRD_PARTY_OFFER_NOT_SUPPORTED', () => {
    after([createTenant('t1', 's1', { at: '2019-01-01T00:00:00Z' })])
      .when(deploy('s1', 'paid', 'marketplace', { at: '2019-04-01T00:00:00Z' }))
      .thenRejected('THIRD_PARTY_OFFER_NOT_SUPPORTED');
  });
  it('a malformed command is INVALID_COMMAND before any rule', () => {
    const c = command('CancelSubscription', { subscriptionId: '' }, { role: 'BillingAdmin' });
    expect(after([]).when(c).thenRejected('INVALID_COMMAND').details).toContain('data.subscriptionId');
  });
});

describe('legacy logs: givens are records as old logs hold them, upcast before they are folded', () => {
  const actor = { id: 'ann', role: 'AdminAgent' };
  const tenantCreated = {
    type: 'SharedTenantCreated',
    data: { partnerId: 'p1', tenantId: 't1' },
    metadata: { actor, at: '2018-01-01T00:00:00Z' },
  };
  /** Version 1: no subscription name yet. */
  const purchasedV1 = {
    type: 'ApssSubscriptionPurchased',
    data: { partnerId: 'p1', tenantId: 't1', subscriptionId: 's1' },
    metadata: { actor, at: '2018-01-01T00:00:00Z', schemaVersion: 1 },
  };
  /** Version 1: no channel yet (every offer came through the Marketplace). */
  const deployedV1 = {
    type: 'MarketplaceOfferDeployed',
    data: {
      partnerId: 'p1',
      subscriptionId: 's1',
      deploymentId: 'd1',
      offerId: 'fortigate',
      publisherId: 'fortinet',
      pricing: 'byol',
    },
    metadata: { actor, at: '2018-02-01T00:00:00+01:00', schemaVersion: 1 },
  };

  it('given a version-1 purchase (no schemaVersion before it either), then its subscription is live: cancelling it records SubscriptionCancelled', () => {
    given([tenantCreated, purchasedV1])
      .when(cancel('s1', { at: '2018-03-01T00:00:00Z', actor: 'ann', role: 'AdminAgent' }))
      .thenEvents([
        {
          type: 'SubscriptionCancelled',
          data: { partnerId: 'p1', subscriptionId: 's1' },
          metadata: { actor, at: '2018-03-01T00:00:00Z' },
        },
      ]);
  });
  it('given a version-1 purchase, then its subscription id is taken: DUPLICATE_ID', () => {
    given([tenantCreated, purchasedV1]).when(purchase('s1')).thenRejected('DUPLICATE_ID');
  });
  it('given a version-1 deployment without a channel, then its id is taken: DUPLICATE_ID', () => {
    given([tenantCreated, purchasedV1, deployedV1])
      .when(deploy('s1', 'byol', 'isv-direct'))
      .thenRejected('DUPLICATE_ID');
  });
  it('given a legacy deployment written at +01:00, then chronology reads it in UTC: 2018-01-31T23:30Z comes after it', () => {
    const [bought] = given([tenantCreated, purchasedV1, deployedV1])
      .when(buyRi('s1', 'ri1', { at: '2018-01-31T23:30:00Z' }))
      .thenEvents();
    expect(bought?.metadata.at).toBe('2018-01-31T23:30:00.000Z');
    given([tenantCreated, purchasedV1, deployedV1])
      .when(buyRi('s1', 'ri1', { at: '2018-01-31T22:59:59Z' }))
      .thenRejected('OUT_OF_ORDER');
  });
});
