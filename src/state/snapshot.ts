import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { Channel, Pricing, Product, reservedInstanceFields, SubscriptionStatus } from '../events/data.js';
import {
  describeProblems,
  integerFrom,
  isRecord,
  isArray,
  preview,
  problemsOf,
  quickDecoderOf,
  REFUSED,
  refined,
  struct,
  withQuickDecoder,
} from '../lib/codec.js';
import { RecordMap } from '../lib/recordMap.js';
import { rowsOf } from '../lib/rows.js';
import { IdSet } from '../lib/idSet.js';
import { Id } from '../lib/ids.js';
import { Day, UtcInstant } from '../lib/time.js';
import { initialState, type PartnerState } from './state.js';

/**
 * The format of the snapshots this version writes. A change to PartnerState that a snapshot cannot
 * say in this format takes the next number: snapshots of an earlier format are then read no more
 * (the stream is folded instead), and this version ignores those of a later one. Format 2 added
 * `last`, the digest of the event a stored snapshot was taken after (format 1 had none); a snapshot
 * of format 2 may also name that event's global position (`lastPosition`, added without a new
 * format: a snapshot without it is read as before). Format 3 holds the same fields, but its
 * `lastEventAt` is the partner's latest event's, where format 2's was its last event's, earlier after
 * a backdated one (R2): a state of format 2 could decide otherwise than its events.
 */
export const SNAPSHOT_FORMAT = 3;

/** An instant as the state keeps it: a snapshot holds no other form. */
const StateInstant = UtcInstant;

/**
 * A codec of the value or null, whose errors keep the field's path (io-ts' union would add its own).
 * Quick (see withQuickDecoder) as its value's codec is, so that the records holding it are.
 */
const orNull = <A>(codec: t.Type<A, A, unknown>): t.Type<A | null, A | null, unknown> => {
  const nullable = new t.Type<A | null, A | null, unknown>(
    `${codec.name} | null`,
    (u): u is A | null => u === null || codec.is(u),
    (u, c) => (u === null ? t.success(null) : codec.validate(u, c)),
    t.identity,
  );
  const quick = quickDecoderOf(codec);
  return quick === undefined
    ? nullable
    : withQuickDecoder(nullable, (u) => (u === null ? null : (quick(u) as A | typeof REFUSED)));
};

/**
 * io-ts' array of the elements' codec, with a quick decoder that takes an array whose elements all
 * decode quickly: a snapshot holds thousands of records, and a context per element cost most of
 * its decoding. Anything else goes to io-ts, for the path of the first element refused.
 */
const arrayOf = <C extends t.Mixed>(codec: C): t.ReadonlyArrayC<C> => {
  const array = t.readonlyArray(codec);
  const quick = quickDecoderOf(codec);
  if (quick === undefined) return array;
  return withQuickDecoder(array, (u) => {
    if (!isArray(u)) return REFUSED;
    const out: unknown[] = new Array(u.length);
    for (let i = 0; i < u.length; i++) {
      const element = quick(u[i]);
      if (element === REFUSED) return REFUSED;
      out[i] = element;
    }
    return out as t.TypeOf<C>[];
  });
};

const Count = integerFrom('Count', 0);

const subscriptionFields = {
  subscriptionId: Id,
  tenantId: Id,
  subscriptionName: Id,
  status: SubscriptionStatus,
  purchasedAt: StateInstant,
  endedAt: orNull(StateInstant),
  webDirectSubscriptionId: orNull(Id),
  firstUsageDay: orNull(Day),
  lastUsageDay: orNull(Day),
};
const reservationFields = { subscriptionId: Id, ...reservedInstanceFields, purchasedAt: StateInstant };
const deploymentFields = {
  subscriptionId: Id,
  deploymentId: Id,
  offerId: Id,
  publisherId: Id,
  pricing: Pricing,
  channel: Channel,
  deployedAt: StateInstant,
};
const serviceFields = { tenantId: Id, serviceId: Id, product: Product, provisionedAt: StateInstant };
const SubscriptionRecord = struct('SubscriptionRecord', subscriptionFields);
const ReservationRecord = struct('ReservationRecord', reservationFields);
const DeploymentRecord = struct('DeploymentRecord', deploymentFields);
const ServiceRecord = struct('ServiceRecord', serviceFields);

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

/** A snapshot's fields but its usage ids. */
const recordFields = {
  partnerId: orNull(Id),
  sharedTenantId: orNull(Id),
  lastEventAt: orNull(StateInstant),
  version: Count,
  subscriptions: arrayOf(SubscriptionRecord),
  reservations: arrayOf(ReservationRecord),
  deployments: arrayOf(DeploymentRecord),
  services: arrayOf(ServiceRecord),
  unattributedUsage: Count,
};
const EncodedState = struct('PartnerStateSnapshot', {
  ...recordFields,
  /** The usage ids as IdSet.packed writes them, in base64. */
  usage: Base64,
});
export type EncodedState = t.TypeOf<typeof EncodedState>;
/** A SHA-256 digest, as lowercase hex. */
const Digest = refined(
  'Digest',
  (u): u is string => typeof u === 'string' && /^[0-9a-f]{64}$/.test(u),
  'a SHA-256 digest as 64 lowercase hex digits',
);
/** A global position, as decimal digits (it may pass what a number holds exactly). */
const PositionText = refined(
  'PositionText',
  (u): u is string => typeof u === 'string' && /^[1-9][0-9]{0,19}$/.test(u),
  'a global position as decimal digits',
);
/** What a snapshot is, exactly: a store checks a snapshot it is asked to keep against it (see checkSnapshotWrite). */
export const SnapshotCodec = struct(
  'Snapshot',
  { version: t.literal(SNAPSHOT_FORMAT), state: EncodedState },
  { last: Digest, lastPosition: PositionText },
);
/** Each kind of record as rows (see rowsOf): how the bytes of a state read in place keep them (see stateBytes.ts). */
export const rows = {
  subscriptions: rowsOf('SubscriptionRows', subscriptionFields),
  reservations: rowsOf('ReservationRows', reservationFields),
  deployments: rowsOf('DeploymentRows', deploymentFields),
  services: rowsOf('ServiceRows', serviceFields),
};
/** A snapshot's fields but its records and usage ids. */
export const StateFields = struct('PartnerStateFields', {
  partnerId: recordFields.partnerId,
  sharedTenantId: recordFields.sharedTenantId,
  lastEventAt: recordFields.lastEventAt,
  version: recordFields.version,
  unattributedUsage: recordFields.unattributedUsage,
});
type EncodedRecords = Omit<t.TypeOf<typeof EncodedState>, 'usage'>;

/**
 * A snapshot of one partner's state, as JSON would hold it. `last`, when a store keeps it (see
 * takeSnapshot), is the digest of the stream's event the state was taken after: a stream that no
 * longer holds that event at the snapshot's version (it was reset, and written again) is not the
 * stream the snapshot was taken of. `lastPosition`, the global position of that event: a stream
 * reset and written again with the same event there holds it at another position.
 */
export type Snapshot = Readonly<t.TypeOf<typeof SnapshotCodec>>;

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
  const { unattributedUsage, ...records } = encodedRecords(state);
  return {
    version: SNAPSHOT_FORMAT,
    state: { ...records, usage: Buffer.from(state.usage.packed()).toString('base64'), unattributedUsage },
  };
}

/** A snapshot's fields but its usage ids, in the order of EncodedState's. */
function encodedRecords(state: PartnerState): EncodedRecords {
  return {
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
    unattributedUsage: state.unattributedUsage,
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

const problemOf = (errors: t.Errors): E.Either<SnapshotProblem, never> => {
  const problems = problemsOf(errors);
  return malformed(
    describeProblems(problems),
    problems.map((p) => p.path),
  );
};

const formatProblem = (format: unknown): E.Either<SnapshotProblem, never> =>
  E.left({
    kind: 'format',
    message: `a snapshot of format ${preview(format)}, which this version does not read (it reads format ${SNAPSHOT_FORMAT})`,
  });

/**
 * The state a snapshot holds, frozen, the same as the one it was taken of (see encodeSnapshot); or
 * why not: a format other than SNAPSHOT_FORMAT (`format`: newer ones are never guessed at), or a
 * value that is not such a snapshot (`malformed`, naming each field). Never throws.
 */
export function decodeSnapshot(input: unknown): E.Either<SnapshotProblem, PartnerState> {
  return E.map(({ state }: StoredState) => state)(decodeStoredSnapshot(input));
}

/** A snapshot's state, and the digest and global position of the event it was taken after when it names them. */
export type StoredState = Pick<Snapshot, 'last' | 'lastPosition'> & { readonly state: PartnerState };

/** What decodeSnapshot takes back, with the snapshot's `last` (see Snapshot). Never throws. */
export function decodeStoredSnapshot(input: unknown): E.Either<SnapshotProblem, StoredState> {
  if (!isRecord(input)) return malformed(`must be an object (got ${preview(input)})`, ['(root)']);
  if (input.version !== SNAPSHOT_FORMAT) return formatProblem(input.version);
  const decoded = SnapshotCodec.decode(input);
  if (E.isLeft(decoded)) return problemOf(decoded.left);
  const { state: encoded, last, lastPosition } = decoded.right;
  const { usage, ...records } = encoded;
  return E.map((state: PartnerState): StoredState => ({
    state,
    ...(last === undefined ? {} : { last }),
    ...(lastPosition === undefined ? {} : { lastPosition }),
  }))(stateOf(records, Buffer.from(usage, 'base64')));
}

/** The state of a snapshot's fields and its usage ids as IdSet.packed wrote them, or why they are not one. */
function stateOf(encoded: EncodedRecords, packedUsage: Uint8Array): E.Either<SnapshotProblem, PartnerState> {
  const usage = IdSet.unpack(packedUsage);
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
