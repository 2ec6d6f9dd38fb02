import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import {
  describeProblems,
  isRecord,
  message,
  preview,
  problemsOf,
  struct,
  type FieldProblem,
} from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { Actor } from '../events/roles.js';
import { Instant } from '../lib/time.js';
import {
  deploymentFields,
  migrationFields,
  reservationFields,
  serviceFields,
  subscriptionFields,
  subscriptionNameField,
  subscriptionPurchaseFields,
  usageFields,
} from '../events/data.js';
import type { Rejection } from '../policies/rejection.js';

/** Command metadata; `at` is decoded to UTC. Fields a transport adds of its own are dropped. */
export const CommandMetadata = struct(
  'CommandMetadata',
  { actor: Actor, at: Instant },
  { commandId: Id, correlationId: Id },
  'strip',
);
export type CommandMetadata = t.TypeOf<typeof CommandMetadata>;

// O's default is what keeps a command without optional fields exact: inferred from nothing, it would
// be t.Props, and `data` would take any field as `any`.
const command = <const K extends string, R extends t.Props, O extends t.Props = Record<never, never>>(
  type: K,
  required: R,
  optional: O = {} as O,
) => message(type, struct(`${type}.data`, required, optional), CommandMetadata);

export const commandCodecs = {
  CreateSharedTenant: command('CreateSharedTenant', subscriptionPurchaseFields, subscriptionNameField),
  PurchaseApss: command('PurchaseApss', subscriptionPurchaseFields, subscriptionNameField),
  CancelSubscription: command('CancelSubscription', subscriptionFields),
  MigrateToWebDirect: command('MigrateToWebDirect', migrationFields),
  BuyReservedInstance: command('BuyReservedInstance', reservationFields),
  DeployMarketplaceOffer: command('DeployMarketplaceOffer', deploymentFields),
  ProvisionService: command('ProvisionService', serviceFields),
  RecordUsage: command('RecordUsage', usageFields),
};

export type CommandType = keyof typeof commandCodecs;
export type Command = { [K in CommandType]: t.TypeOf<(typeof commandCodecs)[K]> }[CommandType];
export type CommandOf<K extends CommandType> = Extract<Command, { readonly type: K }>;
export const commandTypes = Object.keys(commandCodecs) as readonly CommandType[];

const isCommandType = (u: unknown): u is CommandType =>
  typeof u === 'string' && Object.prototype.hasOwnProperty.call(commandCodecs, u);

const invalid = (problems: readonly FieldProblem[]): E.Either<Rejection, never> =>
  E.left({
    code: 'INVALID_COMMAND',
    message: `invalid command: ${describeProblems(problems)}`,
    details: problems.map((p) => p.path),
  });

/** Reads a command from any value; a bad one is INVALID_COMMAND with the path of every offending field. */
export function decodeCommand(input: unknown): E.Either<Rejection, Command> {
  if (!isRecord(input))
    return invalid([
      { path: '(root)', reason: `must be a command object { type, data, metadata } (got ${preview(input)})` },
    ]);
  if (!isCommandType(input.type))
    return invalid([
      { path: 'type', reason: `must be one of ${commandTypes.join(', ')} (got ${preview(input.type)})` },
    ]);
  const codec = commandCodecs[input.type] as t.Decoder<unknown, Command>;
  const result = codec.decode(input);
  return E.isLeft(result) ? invalid(problemsOf(result.left)) : result;
}
