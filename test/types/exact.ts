// Type tests, checked by `npm run typecheck` (never run): the public types are exact. Each
// expected error fails the type-check if the line it marks compiles.
import { expectTypeOf } from 'vitest';
import {
  commandTypes,
  type Command,
  type CommandOf,
  type CommandType,
  type DomainEvent,
  type EventOf,
  type EventType,
  type RuleSet,
  type AuditReport,
  type Finding,
  type RejectionCode,
  audit,
  auditTo,
  defaultRules,
} from 'apss-domain';
import type { PostgresEventStoreOptions } from 'apss-domain/postgres';

const metadata = { actor: { id: 'a', role: 'AdminAgent' }, at: '2024-01-01T00:00:00Z' } as const;

// Issue #11.1: a command without optional fields took any extra field, typed `any`.
export const cancel: CommandOf<'CancelSubscription'> = {
  type: 'CancelSubscription',
  // @ts-expect-error a misspelt field is not part of CancelSubscription's data
  data: { partnerId: 'p', subscriptionId: 's', subscriptonId: 'typo' },
  metadata,
};
// @ts-expect-error data has no field `whatever`
export const deep: unknown = cancel.data.whatever;

type DataOf<K extends CommandType> = CommandOf<K>['data'];
type EventDataOf<K extends EventType> = EventOf<K>['data'];
type IsAny<T> = 0 extends 1 & T ? true : false;
/** True when some field of T is typed `any`, or T has an index signature. */
type Loose<T> = true extends { [K in keyof T]-?: IsAny<T[K]> }[keyof T]
  ? true
  : string extends keyof T
    ? true
    : false;

expectTypeOf<{ [K in CommandType]: Loose<DataOf<K>> }[CommandType]>().toEqualTypeOf<false>();
expectTypeOf<{ [K in CommandType]: Loose<CommandOf<K>['metadata']> }[CommandType]>().toEqualTypeOf<false>();
expectTypeOf<{ [K in EventType]: Loose<EventDataOf<K>> }[EventType]>().toEqualTypeOf<false>();
expectTypeOf<{ [K in EventType]: Loose<EventOf<K>['metadata']> }[EventType]>().toEqualTypeOf<false>();
expectTypeOf<keyof DataOf<'CancelSubscription'>>().toEqualTypeOf<'partnerId' | 'subscriptionId'>();
expectTypeOf<DataOf<'CreateSharedTenant'>>().toHaveProperty('subscriptionName');
expectTypeOf(commandTypes).toEqualTypeOf<readonly CommandType[]>();
expectTypeOf<Command['type']>().toEqualTypeOf<CommandType>();
expectTypeOf<DomainEvent['type']>().toEqualTypeOf<EventType>();

// Issue #11.4: the PostgreSQL store's options are typed, not `any`.
expectTypeOf<IsAny<PostgresEventStoreOptions>>().toEqualTypeOf<false>();
// @ts-expect-error schema is a string
export const badSchema: PostgresEventStoreOptions = { schema: 42 };
// @ts-expect-error pageSize is a number
export const badPageSize: PostgresEventStoreOptions = { pageSize: 'many' };

// A rule set is checked once per object and kept: changing it in place would not be seen.
const mine: RuleSet = { ...defaultRules, name: 'mine' };
// @ts-expect-error a rule set is read-only: a changed one is a new object
mine.marketplaceCutoff = '2020-01-01T00:00:00Z';
// @ts-expect-error its roles are read-only too
mine.permittedRoles.UsageRecorded = ['GlobalAdmin'];

// The pinned Finding and AuditReport: an audit that does not verify a chain finds nothing else.
expectTypeOf<Finding>().toEqualTypeOf<{
  readonly position: number;
  readonly code: RejectionCode | 'MALFORMED_EVENT';
  readonly partnerId?: string;
  readonly eventType?: string;
  readonly message: string;
}>();
expectTypeOf(audit([])).resolves.toEqualTypeOf<AuditReport>();
expectTypeOf<AuditReport['findings']>().toEqualTypeOf<readonly Finding[]>();
expectTypeOf<AuditReport>().toEqualTypeOf<{
  readonly records: number;
  readonly events: number;
  readonly partners: number;
  readonly findings: readonly Finding[];
}>();

// A sink of the pinned Finding takes an audit's findings when it does not verify a chain.
export const rulesOnly = auditTo([], (finding: Finding) => finding.code);
