import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command, DomainEvent } from 'apss-domain';
import {
  anyJson,
  assertProperty,
  CounterexampleError,
  describeFailure,
  formatLog,
  formatMessage,
} from 'apss-domain/testing';

const actor = { id: 'alice', role: 'AdminAgent' as const };

describe('readable counterexamples', () => {
  it('a command prints as one line: when, who, what, and the fields the rules look at', () => {
    const commands: Command[] = [
      {
        type: 'CreateSharedTenant',
        data: { partnerId: 'p1', tenantId: 't1', subscriptionId: 's1' },
        metadata: { actor, at: '2019-02-28T22:00:00.000-02:00' },
      },
      {
        type: 'DeployMarketplaceOffer',
        data: {
          partnerId: 'p1',
          subscriptionId: 's1',
          deploymentId: 'd1',
          offerId: 'o',
          publisherId: 'p',
          pricing: 'byol',
          channel: 'marketplace',
        },
        metadata: { actor, at: '2019-03-01T00:00:00.001Z' },
      },
      {
        type: 'RecordUsage',
        data: {
          partnerId: 'p1',
          subscriptionId: 's1',
          usageId: '__proto__',
          usageDate: '2019-03-01',
          meterCategory: 'm',
          meterName: 'n',
          quantity: 1,
          unitPrice: 0.1,
          currency: 'EUR',
        },
        metadata: { actor: { id: 'billing', role: 'System' }, at: '2019-03-02T12:30:15Z' },
      },
      {
        type: 'ProvisionService',
        data: { partnerId: 'p1', tenantId: 'tenant with spaces', serviceId: 'svc1', product: 'Office365' },
        metadata: { actor, at: '2019-03-03T00:00Z' },
      },
    ];
    expect(formatLog(commands).split('\n')).toEqual([
      '2019-02-28T22:00-02:00 AdminAgent CreateSharedTenant p1 tenant t1 sub s1',
      '2019-03-01T00:00:00.001Z AdminAgent DeployMarketplaceOffer p1/s1 d1 byol marketplace',
      '2019-03-02T12:30:15Z System RecordUsage p1/s1 __proto__ 2019-03-01',
      '2019-03-03T00:00Z AdminAgent ProvisionService p1 tenant "tenant with spaces" svc1 Office365',
    ]);
  });

  it('an event prints as one line too, its instant without the zero seconds', () => {
    const event: DomainEvent = {
      type: 'SubscriptionMigratedToWebDirect',
      data: { partnerId: 'p1', subscriptionId: 's1', webDirectSubscriptionId: 'wd1' },
      metadata: { actor, at: '2019-03-01T00:00:00.000Z', schemaVersion: 1 },
    };
    expect(formatMessage(event)).toBe(
      '2019-03-01T00:00Z AdminAgent SubscriptionMigratedToWebDirect p1/s1 to wd1',
    );
  });

  it('anything else prints as fast-check prints it, and nothing makes the formatter throw', () => {
    expect(formatMessage({ type: 'Unknown' })).toBe('{"type":"Unknown"}');
    assertProperty(
      fc.property(anyJson(), (value) => {
        expect(typeof formatMessage(value)).toBe('string');
        expect(typeof formatMessage({ type: 'CreateSharedTenant', data: value, metadata: value })).toBe(
          'string',
        );
      }),
      { numRuns: 200 },
    );
  });

  it('a passing property prints nothing and returns nothing; an async one resolves', async () => {
    expect(assertProperty(fc.property(fc.nat(), (n) => n >= 0))).toBeUndefined();
    await expect(assertProperty(fc.asyncProperty(fc.nat(), async (n) => n >= 0))).resolves.toBeUndefined();
    expect(describeFailure(fc.check(fc.property(fc.nat(), (n) => n >= 0)))).toBeUndefined();
  });

  it('a failing property throws its counterexample as a log, its failure, and the seed and path to replay', () => {
    const commandsOf = fc.array(
      fc.record({
        type: fc.constant('CancelSubscription' as const),
        data: fc.record({ partnerId: fc.constant('p1'), subscriptionId: fc.constantFrom('s1', 's2') }),
        metadata: fc.constant({ actor, at: '2019-03-01T00:00:00.000Z' }),
      }),
    );
    const property = fc.property(commandsOf, (commands) => {
      if (commands.length >= 2) throw new Error('two cancellations');
    });
    let failure: unknown;
    try {
      assertProperty(property, { seed: 1 });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(CounterexampleError);
    const { message, seed, path } = failure as CounterexampleError;
    expect(message.split('\n')).toEqual([
      expect.stringMatching(/^Property failed after \d+ run\(s\), counterexample shrunk \d+ time\(s\):$/),
      '  2019-03-01T00:00Z AdminAgent CancelSubscription p1/s1',
      '  2019-03-01T00:00Z AdminAgent CancelSubscription p1/s1',
      'Failure: two cancellations',
      `Replay with: { seed: 1, path: ${JSON.stringify(path)}, endOnFailure: true }`,
    ]);
    expect(seed).toBe(1);
  });

  it('labels each argument when a property takes several, and shows a record of logs field by field', () => {
    const details = fc.check(
      fc.property(fc.nat(), fc.constant({ history: [], label: 'x' }), () => false),
      { seed: 3 },
    );
    expect(describeFailure(details)).toMatch(
      /^argument 1:\n {2}0\nargument 2:\n {2}\{"history":\[\],"label":"x"\}$/m,
    );
  });
});
