import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { commandTypes, decodeCommand, decodeEvent, eventTypes, type Command } from 'apss-domain';
import {
  anyCommand,
  anyEvent,
  assertProperty,
  commandOf,
  corrupted,
  eventOf,
  given,
  legacyEvent,
  validHistory,
} from 'apss-domain/testing';
import { tenantOf } from '../builders.js';

const sample = <T>(arbitrary: fc.Arbitrary<T>, numRuns = 300): T[] =>
  fc.sample(arbitrary, { numRuns, seed: 42 });

describe('arbitraries of commands and events', () => {
  it('anyCommand draws well-formed commands of every type', () => {
    const commands = sample(anyCommand());
    for (const command of commands) expect(E.isRight(decodeCommand(command))).toBe(true);
    expect(new Set(commands.map((c) => c.type))).toEqual(new Set(commandTypes));
  });

  it('anyEvent draws events of every type exactly as decodeEvent reads them', () => {
    const events = sample(anyEvent());
    for (const event of events) expect(decodeEvent(event)).toEqual(E.right(event));
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(eventTypes));
  });

  it('commandOf and eventOf draw only the type asked for', () => {
    assertProperty(
      fc.property(commandOf('DeployMarketplaceOffer'), eventOf('UsageRecorded'), (command, event) => {
        expect(command.type).toBe('DeployMarketplaceOffer');
        expect(event.type).toBe('UsageRecorded');
      }),
      { numRuns: 50 },
    );
  });

  it('bias toward the edges: instants on the cutoff and a millisecond either side, offsets, every role', () => {
    const commands = sample(anyCommand(), 1000);
    const instants = commands.map((c) => Date.parse(c.metadata.at) - Date.parse('2019-03-01T00:00:00Z'));
    for (const edge of [-1, 0, 1]) expect(instants.filter((d) => d === edge).length).toBeGreaterThan(10);
    expect(commands.some((c) => /[+-]\d\d:\d\d$/.test(c.metadata.at))).toBe(true);
    expect(new Set(commands.map((c) => c.metadata.actor.role)).size).toBe(7);
  });

  it('reuse ids from a small pool, so that commands meet', () => {
    const subscriptions = sample(commandOf('CancelSubscription', { reuseIds: 2, unusualIds: 0 })).map(
      (c) => c.data.subscriptionId,
    );
    expect(new Set(subscriptions)).toEqual(new Set(['s1', 's2']));
  });

  it('draw unusual valid ids when asked to', () => {
    const ids = sample(commandOf('ProvisionService', { unusualIds: 1 })).map((c) => c.data.serviceId);
    expect(ids.some((id) => id === '__proto__' || !/^[\w-]+$/.test(id))).toBe(true);
  });

  it('keep to the roles, partners, instants and offsets they are given', () => {
    const commands: Command[] = sample(
      anyCommand({ roles: ['System'], partnerIds: ['acme'], around: '2030-01-01T00:00:00Z', offsets: false }),
    );
    for (const command of commands) {
      expect(command.metadata.actor.role).toBe('System');
      expect(command.data.partnerId).toBe('acme');
      expect(command.metadata.at).toMatch(/Z$/);
    }
    const near = commands.filter(
      (c) => Math.abs(Date.parse(c.metadata.at) - Date.parse('2030-01-01T00:00:00Z')) <= 1,
    );
    expect(near.length).toBeGreaterThan(30);
  });

  it('legacyEvent draws old records with the event each must read as', () => {
    const drawn = sample(legacyEvent());
    for (const { record, upcast } of drawn) {
      expect((record.metadata as { schemaVersion?: number }).schemaVersion ?? 1).toBe(1);
      expect(decodeEvent(record)).toEqual(E.right(upcast));
    }
    expect(new Set(drawn.map(({ upcast }) => upcast.type))).toEqual(
      new Set(['ApssSubscriptionPurchased', 'MarketplaceOfferDeployed']),
    );
  });

  it('refuse options that are not options, saying which and why', () => {
    expect(() => anyCommand({ roles: ['Owner' as never] })).toThrow(/anyCommand: invalid options: roles/);
    expect(() => anyEvent({ reuseIds: -1 })).toThrow(
      /anyEvent: invalid options: reuseIds must be an integer >= 0/,
    );
    expect(() => commandOf('PurchaseApss', { around: 'tomorrow' })).toThrow(
      /around must be an ISO-8601 instant/,
    );
    expect(() => anyCommand({ colour: 'red' } as never)).toThrow(/colour is not a known field/);
  });

  it('refuse a type that is none, and what is not an arbitrary to corrupt, naming the call', () => {
    expect(() => commandOf('Foo' as never)).toThrow(/^commandOf: type must be one of CreateSharedTenant, /);
    expect(() => eventOf('CreateSharedTenant' as never)).toThrow(
      /^eventOf: type must be one of SharedTenantCreated, /,
    );
    expect(() => corrupted(5 as never)).toThrow(/^corrupted: messages must be a fast-check Arbitrary/);
    expect(() => given(5 as never)).toThrow(/^given: history must be an iterable of events \(got 5\)/);
    expect(() => given([...tenantOf('p1'), ...tenantOf('p2')])).toThrow(
      /^given: history\[2\] is an event of partner p2, and the history is partner p1's/,
    );
  });

  it('refuse an instant to cluster around past the years they keep to, where instants near it would be no instants', () => {
    expect(() => anyEvent({ around: '8999-12-31T23:59:59.999Z' })).not.toThrow();
    for (const around of ['9999-12-31T00:00:00Z', '0000-01-01T00:00:00Z', '9000-01-01T00:00:00Z'])
      expect(() => anyEvent({ around })).toThrow(
        /around must be an ISO-8601 instant in the years 1000 to 8999/,
      );
    expect(() => validHistory({ around: '9999-06-01T00:00:00Z' })).toThrow(
      /around must be an ISO-8601 instant in the years 1000 to 8999/,
    );
  });
});
