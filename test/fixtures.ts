import { currentVersion, type EventData, type EventOf, type EventType, type RoleName } from 'apss-domain';

// What the tests of several areas write the same way: clocks, who sends a message, everyday details.

/** A test file's clock: each call a fresh instant a minute after the previous one, starting at `start`. */
export function minutesFrom(start: string): () => string {
  let clock = Date.parse(start);
  return () => new Date((clock += 60_000)).toISOString();
}

/** Who sends a message of this type when a test does not say: billing records usage, an admin agent the rest. */
export const usualRole = (type: string): RoleName =>
  type === 'UsageRecorded' || type === 'RecordUsage' ? 'System' : 'AdminAgent';

/** The actor of a test's message: the role's first one unless told. */
export const actorOf = (role: RoleName, id = `${role.toLowerCase()}-1`) => ({ id, role });

type Deployment = EventData<'MarketplaceOfferDeployed'>;
export type Pricing = Deployment['pricing'];
export type Channel = Deployment['channel'];

/** What a test's usage meters when it does not say: a day of a small VM, 24 hours at 0.096 EUR. */
export const vmDay = {
  meterCategory: 'Virtual Machines',
  meterName: 'D2s v3',
  quantity: 24,
  unitPrice: 0.096,
  currency: 'EUR',
} as const;

/** A test's reserved instance, but for how many. */
export const reservationTerms = {
  sku: 'Standard_D2s_v3',
  region: 'westeurope',
  term: 'P1Y',
  scope: 'single',
} as const;

/** A test's Marketplace offer. */
export const fortigate = { offerId: 'fortigate', publisherId: 'fortinet' } as const;

/** An event's data as a test writes it: the partner is p1 unless told. */
export type EventFields<K extends EventType> = Omit<EventData<K>, 'partnerId'> & { partnerId?: string };

/** An event as decodeEvent yields it: partner p1 unless told, the usual actor, current schema version, time in UTC. */
export function decodedEvent<K extends EventType>(type: K, data: EventFields<K>, at: string): EventOf<K> {
  return {
    type,
    data: { partnerId: 'p1', ...data },
    metadata: {
      actor: actorOf(usualRole(type)),
      at: new Date(Date.parse(at)).toISOString(),
      schemaVersion: currentVersion[type],
    },
  } as unknown as EventOf<K>;
}
