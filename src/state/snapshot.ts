import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { Channel, Pricing, Product, reservedInstanceFields, SubscriptionStatus } from '../events/data.js';
import {
  describeProblems,
  integerFrom,
  isRecord,
  preview,
  problemsOf,
  refined,
  struct,
} from '../lib/codec.js';
import { RecordMap } from '../lib/recordMap.js';
import { IdSet } from '../lib/idSet.js';
import { Id } from '../lib/ids.js';
import { Day, inUtc, Instant } from '../lib/time.js';
import { initialState, type PartnerState } from './state.js';

/**
 * The format of the snapshots this version writes. A change to PartnerState that a snapshot cannot
 * say in this format takes the next number: snapshots of an earlier format are then read no more
 * (the stream is folded instead), and this version ignores those of a later one.
 */
export const SNAPSHOT_FORMAT = 1;

/** An instant as the state keeps it (UTC, milliseconds, `Z`): a snapshot holds no other form. */
const StateInstant = refined(
  'StateInstant',
  (u): u is string => Instant.is(u) && inUtc(u as string) === u,
  'an instant as the library writes it, like 2019-03-01T00:00:00.000Z',
);

/** A codec of the value or null, whose errors keep the field's path (io-ts' union would add its own). */
const orNull = <A>(codec: t.Type<A, A, unknown>): t.Type<A | null, A | null, unknown> =>
  new t.Type<A | null, A | null, unknown>(
    `${codec.name} | null`,
    (u): u is A | null => u === null || codec.is(u),
    (u, c) => (u === null ? t.success(null) : codec.validate(u, c)),
    t.identity,
  );

const Count = integerFrom('Count', 0);

const SubscriptionRecord = struct('SubscriptionRecord', {
  subscriptionId: Id,
  tenantId: Id,
  subscriptionName: Id,
  status: SubscriptionStatus,
  purchasedAt: StateInstant,
  endedAt: orNull(StateInstant),
  webDirectSubscriptionId: orNull(Id),
  firstUsageDay: orNull(Day),
  lastUsageDay: orNull(Day),
});
const ReservationRecord = struct('ReservationRecord', {
  subscriptionId: Id,
  ...reservedInstanceFields,
  purchasedAt: StateInstant,
});
const DeploymentRecord = struct('DeploymentRecord', {
  subscriptionId: Id,
  deploymentId: Id,
  offerId: Id,
  publisherId: Id,
  pricing: Pricing,
  channel: Channel,
  deployedAt: StateInstant,
});
const ServiceRecord = struct('ServiceRecord', {
  tenantId: Id,
  serviceId: Id,
  product: Product,
  provisionedAt: StateInstant,
});

const isBase64Digit = (unit: number): boolean =>
  (unit >= 0x41 && unit <= 0x5a) ||
  (unit >= 0x61 && unit <= 0x7a) ||
  (unit >= 0x30 && unit <= 0x39) ||
  unit === 0x2b ||
  unit === 0x2f;

/**
 * Base64 as Node writes it: digits in groups of four, the last padded with `=`. A loop over the text,
 * not a regular expression (one of a million ids' worth overflowed the stack), nor a decoding.
 */
function isBase64(u: unknown): u is string {
  if (typeof u !== 'string' || u.length % 4 !== 0) return false;
  const padding = u.endsWith('==') ? 2 : u.endsWith('=') ? 1 : 0;
  for (let i = 0; i < u.length - padding; i++) if (!isBase64Digit(u.charCodeAt(i))) return false;
  return true;
}

/** Base64 as Node writes it (padded, no line breaks). */
const Base64 = refined('Base64', isBase64, 'base64 text (A-Z, a-z, 0-9, + and /, padded with =)');

const EncodedState = struct('PartnerStateSnapshot', {
  partnerId: orNull(Id),
  sharedTenantId: orNull(Id),
  lastEventAt: orNull(StateInstant),
  version: Count,
  subscriptions: t.readonlyArray(SubscriptionRecord),
  reservations: t.readonlyArray(ReservationRecord),
  deployments: t.readonlyArray(DeploymentRecord),
  services: t.readonlyArray(ServiceRecord),
  /** The usage ids as IdSet.packed writes them, in base64. */
  usage: Base64,
  unattributedUsage: Count,
});
export type EncodedState = t.TypeOf<typeof EncodedState>;

/** A snapshot of one partner's state, as JSON would hold it. */
export type Snapshot = { readonly version: typeof SNAPSHOT_FORMAT; readonly state: EncodedState };

/** Why a snapshot was not taken back: a format this version does not read, or a value that is not one of its snapshots. */
export type SnapshotProblem =
  | { readonly kind: 'format'; readonly message: string }
  | { readonly kind: 'malformed'; readonly message: string; readonly details: readonly string[] };

/**
 * The snapshot of a state: every record in the order the state holds it (which is the order its
 * events gave), the usage ids in the order they were added. The same state gives the same value,
 * key for key, so `JSON.stringify` of it is the same text.
 */
export function encodeSnapshot(state: PartnerState): Snapshot {
  return {
    version: SNAPSHOT_FORMAT,
    state: {
      partnerId: state.partnerId,
      sharedTenantId: state.sharedTenantId,
      lastEventAt: state.lastEventAt,
      version: state.version,
      subscriptions: [...state.subscriptions.values()].map((r) => ({
        subscriptionId: r.subscriptionId,
        tenantId: r.tenantId,
        subscriptionName: r.subscriptionName,
        status: r.status,
        purchasedAt: r.purchasedAt,
        endedAt: r.endedAt,
        webDirectSubscriptionId: r.webDirectSubscriptionId,
        firstUsageDay: r.firstUsageDay,
        lastUsageDay: r.lastUsageDay,
      })),
      reservations: [...state.reservations.values()].map((r) => ({
        subscriptionId: r.subscriptionId,
        reservationId: r.reservationId,
        sku: r.sku,
        region: r.region,
        term: r.term,
        scope: r.scope,
        quantity: r.quantity,
        purchasedAt: r.purchasedAt,
      })),
      deployments: [...state.deployments.values()].map((r) => ({
        subscriptionId: r.subscriptionId,
        deploymentId: r.deploymentId,
        offerId: r.offerId,
        publisherId: r.publisherId,
        pricing: r.pricing,
        channel: r.channel,
        deployedAt: r.deployedAt,
      })),
      services: [...state.services.values()].map((r) => ({
        tenantId: r.tenantId,
        serviceId: r.serviceId,
        product: r.product,
        provisionedAt: r.provisionedAt,
      })),
      usage: Buffer.from(state.usage.packed()).toString('base64'),
      unattributedUsage: state.unattributedUsage,
    },
  };
}

const malformed = (message: string, details: readonly string[]): E.Either<SnapshotProblem, never> =>
  E.left({ kind: 'malformed', message: `not a snapshot of a partner's state: ${message}`, details });

/** A frozen map of records by their id, or the path of the first id given twice. */
function mapOf<R extends object>(
  records: readonly R[],
  idOf: (record: R) => string,
  field: string,
): E.Either<string, ReadonlyMap<string, R>> {
  if (records.length === 0) return E.right(initialState.subscriptions as unknown as ReadonlyMap<string, R>);
  const map = new RecordMap<R>();
  for (const [index, record] of records.entries()) {
    const id = idOf(record);
    if (map.has(id)) return E.left(`state.${field}.${index}`);
    map.set(id, Object.freeze(record));
  }
  return E.right(map.freeze());
}

/**
 * The state a snapshot holds, frozen, the same as the one it was taken of (see encodeSnapshot); or
 * why not: a format other than SNAPSHOT_FORMAT (`format`: newer ones are never guessed at), or a
 * value that is not such a snapshot (`malformed`, naming each field). Never throws.
 */
export function decodeSnapshot(input: unknown): E.Either<SnapshotProblem, PartnerState> {
  if (!isRecord(input)) return malformed(`must be an object (got ${preview(input)})`, ['(root)']);
  if (input.version !== SNAPSHOT_FORMAT)
    return E.left({
      kind: 'format',
      message: `a snapshot of format ${preview(input.version)}, which this version does not read (it reads format ${SNAPSHOT_FORMAT})`,
    });
  const decoded = struct('Snapshot', { version: t.literal(SNAPSHOT_FORMAT), state: EncodedState }).decode(
    input,
  );
  if (E.isLeft(decoded)) {
    const problems = problemsOf(decoded.left);
    return malformed(
      describeProblems(problems),
      problems.map((p) => p.path),
    );
  }
  const encoded = decoded.right.state;
  const usage = IdSet.unpack(Buffer.from(encoded.usage, 'base64'));
  if (typeof usage === 'string') return malformed(`state.usage ${usage}`, ['state.usage']);
  const maps = {
    subscriptions: mapOf(encoded.subscriptions, (r) => r.subscriptionId, 'subscriptions'),
    reservations: mapOf(encoded.reservations, (r) => r.reservationId, 'reservations'),
    deployments: mapOf(encoded.deployments, (r) => r.deploymentId, 'deployments'),
    services: mapOf(encoded.services, (r) => r.serviceId, 'services'),
  };
  for (const map of Object.values(maps))
    if (E.isLeft(map)) return malformed(`${map.left} repeats the id of a record before it`, [map.left]);
  const { partnerId, lastEventAt, version, unattributedUsage } = encoded;
  if ((partnerId === null) !== (version === 0))
    return malformed('state.partnerId must be null exactly when state.version is 0', ['state.partnerId']);
  if ((lastEventAt === null) !== (version === 0))
    return malformed('state.lastEventAt must be null exactly when state.version is 0', ['state.lastEventAt']);
  if (unattributedUsage > usage.size)
    return malformed(`state.unattributedUsage is more than the ${usage.size} usage ids`, [
      'state.unattributedUsage',
    ]);
  const records = (key: keyof typeof maps) => (maps[key] as E.Right<ReadonlyMap<string, never>>).right;
  return E.right(
    Object.freeze({
      partnerId,
      sharedTenantId: encoded.sharedTenantId,
      lastEventAt,
      version,
      subscriptions: records('subscriptions'),
      reservations: records('reservations'),
      deployments: records('deployments'),
      services: records('services'),
      usage: usage.size === 0 ? initialState.usage : Object.freeze(usage),
      unattributedUsage,
    }),
  );
}
