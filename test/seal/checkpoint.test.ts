import * as E from 'fp-ts/lib/Either.js';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyChain, verifyConsistency } from '../../src/audit/verifyLog.js';
import { privateKeyOf, publicKeyOf, signCheckpoint, verifyCheckpoint } from '../../src/seal/checkpoint.js';
import type { LogHead } from '../../src/seal/verify.js';
import { attacked } from './attacks.js';
import { exampleLines, sealLines } from './sealedLog.js';

const keys = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const log = sealLines([...exampleLines(), ...exampleLines()]);
const chunks = (lines: readonly string[]): string[] => [`${lines.join('\n')}\n`];

async function headAt(lines: readonly string[]): Promise<LogHead> {
  const verified = await verifyChain(chunks(lines));
  if (E.isLeft(verified) || !verified.right.chain.sealed) throw new Error('not sealed');
  return verified.right.chain.head;
}
/** A checkpoint as a file holds it: JSON parsed back. */
const signedAt = async (lines: readonly string[], key = keys.privateKey): Promise<unknown> => {
  const signed = signCheckpoint(await headAt(lines), key);
  if (E.isLeft(signed)) throw new Error(signed.left);
  return JSON.parse(JSON.stringify(signed.right)) as unknown;
};

describe('a checkpoint: a log head signed with Ed25519', () => {
  it('given a checkpoint, when verified under its public key, then it gives back the head it signed', async () => {
    const head = await headAt(log);
    expect(head).toMatchObject({ position: 72, globalPosition: '72' });
    expect(verifyCheckpoint(await signedAt(log), keys.publicKey)).toEqual(E.right(head));
  });

  it('given a checkpoint of another key, then it is refused, naming both keys', async () => {
    const refused = verifyCheckpoint(await signedAt(log, stranger.privateKey), keys.publicKey);
    expect(refused).toEqual(E.left(expect.stringMatching(/^the checkpoint was signed by another key/)));
  });

  it('given a checkpoint whose head was changed in any field, then its signature does not verify', async () => {
    const signed = (await signedAt(log)) as { head: Record<string, unknown> };
    for (const change of [{ position: 71 }, { globalPosition: '71' }, { hash: '0'.repeat(64) }]) {
      const changed = { ...signed, head: { ...signed.head, ...change } };
      expect(verifyCheckpoint(changed, keys.publicKey)).toEqual(
        E.left(
          'the checkpoint was altered: its signature does not verify under the public key that signed it',
        ),
      );
    }
  });

  it('given something that is not a checkpoint, then it is refused, naming the field and why, without throwing', () => {
    expect(
      verifyCheckpoint({ head: { position: 1, globalPosition: '01', hash: 'x' } }, keys.publicKey),
    ).toEqual(
      E.left(expect.stringMatching(/^the checkpoint is not valid: .*head\.globalPosition.*head\.hash/)),
    );
    expect(E.isLeft(verifyCheckpoint(null, keys.publicKey))).toBe(true);
  });

  it('given PEM keys, then they are read; a key of another kind, or no key, is refused saying why', () => {
    const pem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(E.isRight(privateKeyOf(pem))).toBe(true);
    expect(E.isRight(publicKeyOf(keys.publicKey.export({ type: 'spki', format: 'pem' })))).toBe(true);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(privateKeyOf(rsa)).toEqual(E.left('the private key is a rsa key, not an Ed25519 one'));
    expect(publicKeyOf('not a key')).toEqual(
      E.left(expect.stringMatching(/^the public key is not a PEM public key/)),
    );
  });
});

describe('signing and reading a log, given what is not a head, a key or a log', () => {
  it('given a head that is not one, or a key that is not a private Ed25519 one, then signCheckpoint says why', async () => {
    const head = await headAt(log);
    expect(signCheckpoint({ ...head, position: 0 }, keys.privateKey)).toEqual(
      E.left(expect.stringMatching(/^not a log head: .*position/)),
    );
    expect(signCheckpoint(head, keys.publicKey)).toEqual(
      E.left('the private key must be a private KeyObject (see privateKeyOf)'),
    );
  });

  it('given chunks that fail while read, then verifyChain resolves with why', async () => {
    async function* failing(): AsyncGenerator<string> {
      yield `${log[0]}\n`;
      throw new Error('disk gone');
    }
    expect(await verifyChain(failing())).toEqual(E.left('disk gone'));
  });
});

describe('consistency of two checkpoints: the later log extends the earlier', () => {
  it('given checkpoints at record 36 and at the end, then the log read once passes through both', async () => {
    const earlier = await signedAt(log.slice(0, 36));
    const later = await signedAt(log);
    const consistent = await verifyConsistency(chunks(log), earlier, later, keys.publicKey);
    expect(consistent).toEqual(
      E.right({ earlier: await headAt(log.slice(0, 36)), later: await headAt(log) }),
    );
  });

  it('given a log whose history before the earlier checkpoint was rewritten (re-sealed from there), then it is not consistent', async () => {
    const earlier = await signedAt(log.slice(0, 36));
    // A writer holding the log rewrites record 5 and re-seals everything after it, then signs the new head.
    const rewritten = sealLines(
      attacked(exampleLines(), { kind: 'delete', at: 5 }, []).concat(exampleLines()),
    );
    const later = await signedAt(rewritten);
    const consistent = await verifyConsistency(chunks(rewritten), earlier, later, keys.publicKey);
    expect(consistent).toEqual(E.left(expect.stringMatching(/^at position 36: record 36 has hash/)));
  });

  it('given the checkpoints the wrong way round, or one from another key, then it is refused', async () => {
    const earlier = await signedAt(log.slice(0, 36));
    const later = await signedAt(log);
    expect(await verifyConsistency(chunks(log), later, earlier, keys.publicKey)).toEqual(
      E.left('the earlier checkpoint (record 72) comes after the later one (record 36)'),
    );
    const foreign = await signedAt(log, stranger.privateKey);
    expect(await verifyConsistency(chunks(log), earlier, foreign, keys.publicKey)).toEqual(
      E.left(expect.stringMatching(/^the later checkpoint: the checkpoint was signed by another key/)),
    );
  });
});
