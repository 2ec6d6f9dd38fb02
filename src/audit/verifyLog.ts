import * as E from 'fp-ts/lib/Either.js';
import type { KeyObject } from 'node:crypto';
import { verifyCheckpoint } from '../seal/checkpoint.js';
import {
  ChainCheck,
  passLinkEntry,
  type ChainFinding,
  type ChainReport,
  type LogHead,
} from '../seal/verify.js';
import { readNdjson } from './ndjson.js';
import { reasonOf } from '../lib/reason.js';

/** What following a log's chain found: what the log is, how many findings, and the first of them. */
export type ChainVerification = {
  readonly chain: ChainReport;
  readonly findings: number;
  readonly first?: ChainFinding;
};

/**
 * Follows the chain of an NDJSON log, without judging its events: whether it is sealed, its head,
 * and its breaks (and mismatches with the checkpoints' heads), counted, the first kept. Left: the
 * log could not be read (what reading it threw). Never rejects.
 */
export async function verifyChain(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  checkpoints: readonly LogHead[] = [],
): Promise<E.Either<string, ChainVerification>> {
  try {
    return E.right(await followChain(chunks, checkpoints));
  } catch (error) {
    return E.left(reasonOf(error));
  }
}

async function followChain(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  checkpoints: readonly LogHead[],
): Promise<ChainVerification> {
  let findings = 0;
  let first: ChainFinding | undefined;
  const check = new ChainCheck((finding) => {
    findings += 1;
    first ??= finding;
  }, checkpoints);
  await readNdjson(chunks, {
    value: (position, value, _, line) => passLinkEntry(check, position, value, line),
    problem: (position) => check.entry({ kind: 'unreadable', position }),
  });
  check.end();
  return { chain: check.result(), findings, ...(first === undefined ? {} : { first }) };
}

/**
 * Whether a log extends the log an earlier checkpoint signed, up to a later checkpoint: both
 * signatures verify under the public key, the earlier is not after the later, and the log, read
 * once, is one unbroken chain through both heads. With a hash chain this is a re-read of the log up
 * to the later head (see docs/integrity.md). Right: the two heads; Left: why not. Never rejects.
 */
export async function verifyConsistency(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  earlier: unknown,
  later: unknown,
  publicKey: KeyObject,
): Promise<E.Either<string, { readonly earlier: LogHead; readonly later: LogHead }>> {
  const first = verifyCheckpoint(earlier, publicKey);
  if (E.isLeft(first)) return E.left(`the earlier checkpoint: ${first.left}`);
  const second = verifyCheckpoint(later, publicKey);
  if (E.isLeft(second)) return E.left(`the later checkpoint: ${second.left}`);
  if (first.right.position > second.right.position)
    return E.left(
      `the earlier checkpoint (record ${first.right.position}) comes after the later one (record ${second.right.position})`,
    );
  const verified = await verifyChain(chunks, [first.right, second.right]);
  if (E.isLeft(verified)) return E.left(`the log could not be read: ${verified.left}`);
  const { chain, first: broken } = verified.right;
  if (!chain.sealed) return E.left('the log has no chain fields');
  if (broken !== undefined) return E.left(`at position ${broken.position}: ${broken.message}`);
  return E.right({ earlier: first.right, later: second.right });
}
