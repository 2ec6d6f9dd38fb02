import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { DomainEvent } from '../events/codecs.js';
import { struct } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { lineAmount, plainOfScaled } from './scaled.js';
import {
  copyLedger,
  countId,
  countUsage,
  noteSavedTenant,
  noteTenant,
  sharedTenantOf,
  type Ledger,
} from './ledger.js';
import * as lineList from './lineList.js';
import { foldingProjection, isBuiltBy, type Folding, type Projection } from './projection.js';
import { progressOf, refuseAt, savedForm, type Progress, type ProjectionProgress } from './progress.js';
import { listOf, ReconciliationLineCodec, type ReconciliationLine } from './viewCodecs.js';

export type { ReconciliationLine } from './viewCodecs.js';

/** How far the reconciliation has got: its lines (see lineList.ts), and each partner's tenant and counted usage ids. */
type Working = lineList.LineList<ReconciliationLine> & { readonly ledger: Ledger };

function step(working: Working, event: DomainEvent): void {
  const { ledger } = working;
  if (event.type !== 'UsageRecorded') {
    // A view stands for one progress only: a tenant noted makes the next view a new one, even with the same lines.
    if (event.type === 'SharedTenantCreated') working.shown = undefined;
    return noteTenant(ledger, event);
  }
  if (!countUsage(ledger, event)) return;
  const { data } = event;
  lineList.appendLine(
    working,
    lineOf(
      data,
      sharedTenantOf(ledger, data.partnerId) ?? '',
      plainOfScaled(lineAmount(data.quantity, data.unitPrice)),
    ),
  );
}

/**
 * A line of a usage record's fields (or a saved line's), its customer and its total, frozen, its
 * fields in the one order every line has: a line loaded is as a line made.
 */
const lineOf = (
  usage: Omit<ReconciliationLine, 'customerId' | 'total'>,
  customerId: string,
  total: string,
): ReconciliationLine =>
  Object.freeze({
    partnerId: usage.partnerId,
    customerId,
    subscriptionId: usage.subscriptionId,
    usageId: usage.usageId,
    usageDate: usage.usageDate,
    meterCategory: usage.meterCategory,
    meterName: usage.meterName,
    quantity: usage.quantity,
    unitPrice: usage.unitPrice,
    currency: usage.currency,
    total,
  });

const folding: Folding<Working, readonly ReconciliationLine[]> = {
  name: 'reconciliation',
  start: () => ({ ...lineList.noLines<ReconciliationLine>(), ledger: new Map() }),
  step,
  view: lineList.viewOfLines,
  copy: (working) => ({ ...lineList.sharedLines(working), ledger: copyLedger(working.ledger) }),
};

/** One line per usage record of every partner, in the order the log records them. */
export const reconciliation: Projection<readonly ReconciliationLine[]> = foldingProjection(folding);

/** Whether a value is a view this projection built: frozen, so it is still exactly what was built. */
export const isBuiltReconciliation = (u: unknown): boolean => isBuiltBy(reconciliation, u);

const SavedReconciliation = savedForm('reconciliation', ReconciliationLineCodec, {
  /** The partners with a shared tenant: a tenant created before any usage is in no line yet. */
  sharedTenants: listOf(
    'SharedTenants',
    struct('SharedTenant', { partnerId: Id, tenantId: Id }),
    'shared tenants',
  ),
});
type SavedReconciliation = t.TypeOf<typeof SavedReconciliation>;

function rebuild(saved: SavedReconciliation): E.Either<ReturnType<typeof refuseAt>, Working> {
  const ledger: Ledger = new Map();
  for (const [i, { partnerId, tenantId }] of saved.sharedTenants.entries())
    if (!noteSavedTenant(ledger, partnerId, tenantId))
      return E.left(
        refuseAt(`sharedTenants[${i}].partnerId`, `names a partner listed before (${partnerId})`),
      );
  /** The partners a line with their tenant was seen for: their later lines name it too. */
  const named = new Set<string>();
  for (const [i, line] of saved.lines.entries()) {
    const refused = lineProblem(line, sharedTenantOf(ledger, line.partnerId), named.has(line.partnerId));
    if (refused !== undefined) return E.left(refuseAt(`lines[${i}].${refused.field}`, refused.reason));
    if (line.customerId !== '') named.add(line.partnerId);
    if (!countId(ledger, line.partnerId, line.usageId))
      return E.left(
        refuseAt(`lines[${i}].usageId`, `repeats a usage id of partner ${line.partnerId} (${line.usageId})`),
      );
  }
  const lines = saved.lines.map((line) => lineOf(line, line.customerId, line.total));
  return E.right({ ...lineList.linesFrom(lines), ledger });
}

/**
 * What makes a saved line one the reconciliation never made, given its partner's saved tenant and
 * whether a line of that partner before it named the tenant: a total that is not its quantity times
 * its unit price, or a customer that is not its partner's tenant, or none after one was.
 */
function lineProblem(
  line: ReconciliationLine,
  tenant: string | null,
  named: boolean,
): { readonly field: string; readonly reason: string } | undefined {
  const total = plainOfScaled(lineAmount(line.quantity, line.unitPrice));
  if (line.total !== total)
    return { field: 'total', reason: `must be quantity times unit price, ${total} (got ${line.total})` };
  if (line.customerId === '' && named)
    return {
      field: 'customerId',
      reason: `must be ${tenant ?? ''}: a line of partner ${line.partnerId} before it names that tenant`,
    };
  if (line.customerId !== '' && line.customerId !== tenant)
    return {
      field: 'customerId',
      reason:
        tenant === null
          ? `must be empty: partner ${line.partnerId} has no shared tenant in sharedTenants`
          : `must be empty or partner ${line.partnerId}'s shared tenant ${tenant} (got ${line.customerId})`,
    };
  return undefined;
}

/** The reconciliation's progress, opaque. */
export type ReconciliationProgress = Progress<'reconciliation'>;

/**
 * The reconciliation's progress as a value of its own: `save` it with the position it stands at, and
 * `load` it in another process to go on with the events after it.
 */
export const reconciliationProgress: ProjectionProgress<
  ReconciliationProgress,
  readonly ReconciliationLine[]
> = progressOf(
  folding,
  SavedReconciliation,
  (working) => ({
    projection: 'reconciliation' as const,
    version: 1 as const,
    lines: lineList.savedLines(working),
    sharedTenants: [...working.ledger]
      .filter(([, entry]) => entry.sharedTenantId !== null)
      .map(([partnerId, entry]) => ({ partnerId, tenantId: entry.sharedTenantId as string })),
  }),
  rebuild,
);
