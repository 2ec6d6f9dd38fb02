import * as E from 'fp-ts/lib/Either.js';
import { readFile, writeFile } from 'node:fs/promises';
import { chunksOf, openFile } from '../../audit/chunks.js';
import { verifyChain } from '../../audit/verifyLog.js';
import { privateKeyOf, signCheckpoint } from '../../seal/checkpoint.js';
import type { CheckpointArguments } from '../args.js';
import { put, type CliIo } from '../io.js';
import { clashingFiles } from '../overwrites.js';
import { reasonOf } from '../source.js';

/**
 * `apss checkpoint`: the head of a sealed log, signed, on stdout or in --out. Only an unbroken chain
 * is signed: a checkpoint vouches for everything before its head.
 */
export async function checkpointCommand({ file, key, out }: CheckpointArguments, io: CliIo): Promise<number> {
  const refuse = async (why: string): Promise<number> => {
    await put(io.stderr, `apss checkpoint: ${why}\n`);
    return 2;
  };
  const overwritten =
    out === undefined
      ? undefined
      : await clashingFiles(
          [{ name: `--out ${out}`, path: out }],
          [
            { name: `the log file ${file}`, path: file },
            { name: `--key ${key}`, path: key },
          ],
        );
  if (overwritten !== undefined) return refuse(overwritten);
  const pem = await readFile(key).then(
    (text) => E.right(text),
    (error: unknown) => E.left(`cannot read ${key}: ${reasonOf(error)}`),
  );
  if (E.isLeft(pem)) return refuse(pem.left);
  const privateKey = privateKeyOf(pem.right);
  if (E.isLeft(privateKey)) return refuse(`${key}: ${privateKey.left}`);
  const opened = await openFile(file);
  if (E.isLeft(opened)) return refuse(`cannot read ${file}: ${reasonOf(opened.left)}`);
  const verified = await verifyChain(chunksOf(opened.right.handle));
  if (E.isLeft(verified)) return refuse(`cannot read ${file}: ${verified.left}`);
  const { chain, first, findings } = verified.right;
  if (!chain.sealed) return refuse(`${file} has no chain fields: only a sealed log has a head to sign`);
  if (first !== undefined)
    return refuse(
      `${file} is not signed: its chain is broken (${findings} ${findings === 1 ? 'break' : 'breaks'}), first at line ${first.position}: ${first.message}`,
    );
  if (chain.head.position === 0) return refuse(`${file} has no record: there is no head to sign`);
  const signed = signCheckpoint(chain.head, privateKey.right);
  if (E.isLeft(signed)) return refuse(signed.left);
  const checkpoint = `${JSON.stringify(signed.right, null, 2)}\n`;
  if (out === undefined) await put(io.stdout, checkpoint);
  else
    try {
      await writeFile(out, checkpoint);
    } catch (error) {
      return refuse(`cannot write ${out}: ${reasonOf(error)}`);
    }
  const { position, globalPosition, hash } = chain.head;
  await put(
    io.stderr,
    `apss checkpoint: signed the head of ${file}: record ${position}, global position ${globalPosition}, hash ${hash.slice(0, 16)}…\n`,
  );
  return 0;
}
