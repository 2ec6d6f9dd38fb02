import * as E from 'fp-ts/lib/Either.js';
import type { Command, CommandMetadata, CommandOf, CommandType } from '../domain/commands.js';
import { isRecord, preview } from '../lib/codec.js';
import type { Rejection } from '../policies/rejection.js';

/**
 * A command's metadata as Emmett hands time in: `now`, a Date (Emmett's own DefaultCommandMetadata),
 * where the core's commands carry `at` as an ISO-8601 string; the rest is the core's.
 */
export type EmmettCommandMetadata = Omit<CommandMetadata, 'at'> & { readonly now: Date };

/** One command of the given type as Emmett users write it (Emmett's `command()` adds `kind`). */
export type EmmettCommandOf<K extends CommandType> = {
  readonly type: K;
  readonly data: CommandOf<K>['data'];
  readonly metadata: EmmettCommandMetadata;
  readonly kind?: 'Command';
};

/** The commands of apss-domain, shaped as Emmett's `Command` type requires. */
export type EmmettCommand = { [K in CommandType]: EmmettCommandOf<K> }[CommandType];

const isValidDate = (u: unknown): u is Date => u instanceof Date && !Number.isNaN(u.getTime());

/**
 * The core's command for an Emmett one: `now` becomes `at`. An Invalid Date (or anything else where the
 * Date should be) is the rejection itself, named by the field the caller wrote.
 */
export function coreCommand(command: EmmettCommand): E.Either<Rejection, Command> {
  // Emmett hands on what its caller wrote, which its type does not check at run time.
  if (!isRecord(command))
    return E.left({
      code: 'INVALID_COMMAND',
      message: `invalid command: the input must be a command object { type, data, metadata } (got ${preview(command)})`,
      details: ['(root)'],
    });
  if (!isRecord(command.metadata))
    return E.left({
      code: 'INVALID_COMMAND',
      message: `invalid command: metadata must be an object { actor, now } (got ${preview(command.metadata)})`,
      details: ['metadata'],
    });
  const { now, ...metadata } = command.metadata;
  if (!isValidDate(now))
    return E.left({
      code: 'INVALID_COMMAND',
      message: `invalid command: metadata.now must be a valid Date (got ${preview(now)})`,
      details: ['metadata.now'],
    });
  return E.right({
    type: command.type,
    data: command.data,
    metadata: { ...metadata, at: now.toISOString() },
  } as Command);
}
