import * as E from 'fp-ts/lib/Either.js';
import type { DomainEvent, EventOf } from '../events/codecs.js';
import { inUtc } from '../lib/time.js';
import * as lineList from './lineList.js';
import { foldingProjection, type Folding, type Projection } from './projection.js';
import { progressOf, refuseAt, savedForm, type Progress, type ProjectionProgress } from './progress.js';
import { ReservationLineCodec, type ReservationLine } from './viewCodecs.js';

export type { ReservationLine } from './viewCodecs.js';

/**
 * How far the list has got: its lines (see lineList.ts), and the reservation ids each partner has
 * bought. A reservation id bought again is listed once, as its first purchase, which is the one the
 * partner's state keeps (R9 finds the second).
 */
type Working = lineList.LineList<ReservationLine> & { readonly bought: Map<string, Set<string>> };

/** Notes a partner's reservation id; false when the partner bought it before. */
function noteBought(bought: Map<string, Set<string>>, partnerId: string, reservationId: string): boolean {
  let ids = bought.get(partnerId);
  if (ids === undefined) bought.set(partnerId, (ids = new Set()));
  if (ids.has(reservationId)) return false;
  ids.add(reservationId);
  return true;
}

/** A line of a purchase's fields (or a saved line's) and its instant, frozen, its fields in one order. */
const lineOf = (
  data: Omit<ReservationLine, 'purchasedAt'> | EventOf<'ReservedInstancePurchased'>['data'],
  purchasedAt: string,
): ReservationLine =>
  Object.freeze({
    partnerId: data.partnerId,
    subscriptionId: data.subscriptionId,
    reservationId: data.reservationId,
    sku: data.sku,
    region: data.region,
    term: data.term,
    scope: data.scope,
    quantity: data.quantity,
    purchasedAt,
  });

function step(working: Working, event: DomainEvent): void {
  if (event.type !== 'ReservedInstancePurchased') return;
  const { data } = event;
  if (!noteBought(working.bought, data.partnerId, data.reservationId)) return;
  lineList.appendLine(working, lineOf(data, inUtc(event.metadata.at)));
}

const folding: Folding<Working, readonly ReservationLine[]> = {
  name: 'reservations',
  start: () => ({ ...lineList.noLines<ReservationLine>(), bought: new Map() }),
  step,
  view: lineList.viewOfLines,
  copy: (working) => ({
    ...lineList.sharedLines(working),
    bought: new Map([...working.bought].map(([partnerId, ids]) => [partnerId, new Set(ids)])),
  }),
};

/**
 * Every reserved instance bought, in the order the log records the purchases: whose subscription
 * holds it, what it is (SKU, region, quantity), its term and scope, and when it was bought.
 */
export const reservations: Projection<readonly ReservationLine[]> = foldingProjection(folding);

const SavedReservations = savedForm('reservations', ReservationLineCodec, {});

/** The reservations' progress, opaque. */
export type ReservationsProgress = Progress<'reservations'>;

/**
 * The list's progress as a value of its own: `save` it with the position it stands at, and `load` it
 * in another process to go on with the events after it. Its lines are all it needs.
 */
export const reservationsProgress: ProjectionProgress<ReservationsProgress, readonly ReservationLine[]> =
  progressOf(
    folding,
    SavedReservations,
    (working) => ({
      projection: 'reservations' as const,
      version: 1 as const,
      lines: lineList.savedLines(working),
    }),
    (saved) => {
      const bought = new Map<string, Set<string>>();
      for (const [i, { partnerId, reservationId }] of saved.lines.entries())
        if (!noteBought(bought, partnerId, reservationId))
          return E.left(
            refuseAt(
              `lines[${i}].reservationId`,
              `repeats a reservation id of partner ${partnerId} (${reservationId})`,
            ),
          );
      const lines = saved.lines.map((line) => lineOf(line, line.purchasedAt));
      return E.right({ ...lineList.linesFrom(lines), bought });
    },
  );
