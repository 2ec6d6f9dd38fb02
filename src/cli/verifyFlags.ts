import * as E from 'fp-ts/lib/Either.js';
import { readFile } from 'node:fs/promises';
import { publicKeyOf, verifyCheckpoint, type VerifyOptions } from '../seal/checkpoint.js';
import { reasonOf } from './source.js';

/** The flags of `apss audit` that verify a sealed log: --verify, and a checkpoint with its public key. */
export type VerifyFlags = {
  readonly verify: boolean;
  readonly checkpoint?: string | undefined;
  readonly publicKey?: string | undefined;
};

/** Why the verify flags cannot go together, if they cannot. */
export function verifyFlagsProblem(fields: Record<string, unknown>): string | undefined {
  if ((fields.checkpoint === undefined) !== (fields.publicKey === undefined))
    return '--checkpoint and --public-key go together: the checkpoint is trusted only once its signature verifies';
  if (fields.checkpoint !== undefined && fields.verify !== true)
    return '--checkpoint needs --verify: the log is checked against the checkpoint as its chain is followed';
  if (fields.verify === true && fields.postgres !== undefined)
    return '--verify reads a sealed log file (apss export writes one from a store), not --postgres';
  return undefined;
}

/**
 * What the audit is to verify: nothing, the chain, or the chain and a checkpoint, whose signature
 * must verify under the public key; else why not (the audit is refused: a checkpoint that is not
 * trusted proves nothing).
 */
export async function verifyOptionsOf(
  flags: VerifyFlags,
): Promise<E.Either<string, VerifyOptions | undefined>> {
  if (!flags.verify) return E.right(undefined);
  const { checkpoint, publicKey } = flags;
  if (checkpoint === undefined || publicKey === undefined) return E.right({});
  const read = async (path: string): Promise<E.Either<string, string>> =>
    readFile(path, 'utf8').then(
      (text) => E.right(text),
      (error: unknown) => E.left(`cannot read ${path}: ${reasonOf(error)}`),
    );
  const keyText = await read(publicKey);
  if (E.isLeft(keyText)) return keyText;
  const key = publicKeyOf(keyText.right);
  if (E.isLeft(key)) return E.left(`${publicKey}: ${key.left}`);
  const checkpointText = await read(checkpoint);
  if (E.isLeft(checkpointText)) return checkpointText;
  let parsed: unknown;
  try {
    parsed = JSON.parse(checkpointText.right);
  } catch (error) {
    return E.left(`${checkpoint} is not JSON: ${reasonOf(error)}`);
  }
  const head = verifyCheckpoint(parsed, key.right);
  if (E.isLeft(head)) return E.left(`${checkpoint}: ${head.left}`);
  return E.right({ checkpoints: [head.right] });
}
