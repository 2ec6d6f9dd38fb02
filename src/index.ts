// The public surface of apss-domain.
export type { Either } from 'fp-ts/lib/Either.js';

export { Role, Actor, roles, type Role as RoleName } from './events/roles.js';
export { Instant, Day } from './lib/time.js';
export { Id } from './lib/ids.js';
export { Currency } from './lib/money.js';
export { RejectionCode, type Rejection } from './policies/rejection.js';
export {
  decodeCommand,
  commandCodecs,
  commandTypes,
  CommandMetadata,
  type Command,
  type CommandOf,
  type CommandType,
} from './domain/commands.js';
export {
  initialState,
  type PartnerState,
  type SubscriptionRecord,
  type ReservationRecord,
  type DeploymentRecord,
  type ServiceRecord,
} from './state/state.js';
export { IdSet, type ReadonlyIdSet } from './lib/idSet.js';
export { evolve, fold } from './state/evolve.js';
export { decide, handle, propose } from './domain/decide.js';
export { apssDecider, type Decider } from './domain/decider.js';

export {
  eventCodecs,
  eventTypes,
  currentVersion,
  EventMetadata,
  type DomainEvent,
  type EventOf,
  type EventType,
  type EventData,
} from './events/codecs.js';
export { DEFAULT_SUBSCRIPTION_NAME } from './events/data.js';
export { decodeEvent, type DecodeFailure } from './events/decode.js';

export { RuleSet, defaultRules, rules2023, compileRules, type CompiledRules } from './policies/ruleSet.js';
export { ruleTable, type Rule, type Violation } from './policies/rules.js';

export {
  ExpectedVersion,
  partnerStreamId,
  type EventStore,
  type StoredEvent,
  type AppendOptions,
  type ReadStreamOptions,
  type ReadAllOptions,
} from './store/eventStore.js';
export { ConcurrencyError, EventStoreRequestError, StoredEventError } from './store/errors.js';
export { InMemoryEventStore, type InMemoryEventStoreOptions } from './store/inMemory.js';
export type { SealedLog } from './store/sealedLog.js';
export { StateCache, type CachedState, type StateCacheStats } from './store/stateCache.js';
export { handleCommand, type HandleCommandOptions, type CommandHandled } from './store/handleCommand.js';
export {
  SNAPSHOT_FORMAT,
  offersSnapshots,
  restoreState,
  takeSnapshot,
  type Snapshot,
  type SnapshotStore,
  type SnapshotWriteOptions,
  type StoredSnapshot,
  type RestoredState,
} from './store/snapshots.js';
export { encodeSnapshot, decodeSnapshot, type SnapshotProblem } from './state/snapshot.js';

export { audit, auditTo, type AuditOptions } from './audit/audit.js';
export type {
  AuditReport,
  AuditSummary,
  Finding,
  FindingSink,
  LogAuditReport,
  LogFinding,
} from './audit/auditor.js';
export { verifyChain, verifyConsistency, type ChainVerification } from './audit/verifyLog.js';
export { ChainWriter, GENESIS, sealedLine, type LinkContent, type SealedRecord } from './seal/link.js';
export {
  Checkpoint,
  privateKeyOf,
  publicKeyOf,
  signCheckpoint,
  verifyCheckpoint,
  type VerifyOptions,
} from './seal/checkpoint.js';
export type { ChainFinding, ChainReport, LogHead } from './seal/verify.js';

export { project, type Projection } from './projections/projection.js';
export { asOf, projectAsOf } from './projections/asOf.js';
export { type ProjectionProgress, type ProgressFailure } from './projections/progress.js';
export {
  reconciliation,
  reconciliationProgress,
  type ReconciliationLine,
  type ReconciliationProgress,
} from './projections/reconciliation.js';
export { invoice, invoiceProgress, type InvoiceLine, type InvoiceProgress } from './projections/invoice.js';
export {
  reservations,
  reservationsProgress,
  type ReservationLine,
  type ReservationsProgress,
} from './projections/reservations.js';
export {
  overview,
  overviewProgress,
  type OverviewProgress,
  type PartnerOverview,
  type SubscriptionOverview,
} from './projections/overview.js';
export { reconciliationCsv, invoiceCsv, overviewCsv } from './projections/csv.js';
