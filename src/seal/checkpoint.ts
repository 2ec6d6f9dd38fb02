import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { describeProblems, integerFrom, oneOf, problemsOf, refined, struct } from '../lib/codec.js';
import { reasonOf } from '../lib/reason.js';
import { canonicalJson, LinkHash, LinkPosition } from './link.js';
import type { LogHead } from './verify.js';

/**
 * A checkpoint is a log's head signed with an Ed25519 key: it says that the log, up to its
 * `position`-th record, is the one whose last record there has this hash. Anyone with the public key
 * can then check that a log they are given passes through it.
 */

/** A log's head as a checkpoint names it: its records counted, its last one's global position and hash. */
export const CheckpointHead = struct('CheckpointHead', {
  position: integerFrom('CheckpointPosition', 1),
  globalPosition: LinkPosition,
  hash: LinkHash,
});

/** The options of an audit that verifies its log: the heads (of checkpoints already checked) it must pass through. */
export const VerifyOptions = struct(
  'VerifyOptions',
  {},
  { checkpoints: t.readonlyArray(CheckpointHead) },
  'strip',
);
export type VerifyOptions = t.TypeOf<typeof VerifyOptions>;

const Base64 = refined(
  'Signature',
  (u): u is string => typeof u === 'string' && /^[A-Za-z0-9+/]{86}==$/.test(u),
  'an Ed25519 signature in base64 (88 characters)',
);

/** A checkpoint file: the head, who signed it (the SHA-256 of the public key), and the signature. */
export const Checkpoint = struct('Checkpoint', {
  head: CheckpointHead,
  algorithm: oneOf('CheckpointAlgorithm', ['Ed25519']),
  key: LinkHash,
  signature: Base64,
});
export type Checkpoint = t.TypeOf<typeof Checkpoint>;

/** The bytes a checkpoint's signature covers: what it is, then the head's canonical JSON. */
const signedBytes = (head: LogHead): Buffer =>
  Buffer.from(
    `apss checkpoint v1\n${canonicalJson({ position: head.position, globalPosition: head.globalPosition, hash: head.hash })}`,
    'utf8',
  );

/** The SHA-256 of a public key's DER (SPKI) form, in hex: how a checkpoint names its key. */
const keyIdOf = (publicKey: KeyObject): string =>
  createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');

const ed25519 = (key: KeyObject, what: string): E.Either<string, KeyObject> =>
  key.asymmetricKeyType === 'ed25519'
    ? E.right(key)
    : E.left(`${what} is a ${key.asymmetricKeyType ?? key.type} key, not an Ed25519 one`);

/** An Ed25519 private key from its PEM text, or why it is not one. */
export function privateKeyOf(pem: string | Buffer): E.Either<string, KeyObject> {
  try {
    return ed25519(createPrivateKey(pem), 'the private key');
  } catch (error) {
    return E.left(`the private key is not a PEM private key: ${reasonOf(error)}`);
  }
}

/** An Ed25519 public key from its PEM text (a private key's PEM gives its public key), or why not. */
export function publicKeyOf(pem: string | Buffer): E.Either<string, KeyObject> {
  try {
    return ed25519(createPublicKey(pem), 'the public key');
  } catch (error) {
    return E.left(`the public key is not a PEM public key: ${reasonOf(error)}`);
  }
}

/** The checkpoint of a log's head, signed with the private key (see privateKeyOf); else why not. Never throws. */
export function signCheckpoint(head: LogHead, privateKey: KeyObject): E.Either<string, Checkpoint> {
  const decoded = CheckpointHead.decode(head);
  if (E.isLeft(decoded)) return E.left(`not a log head: ${describeProblems(problemsOf(decoded.left))}`);
  try {
    if (!(privateKey instanceof KeyObject) || privateKey.type !== 'private')
      return E.left('the private key must be a private KeyObject (see privateKeyOf)');
    const key = ed25519(privateKey, 'the private key');
    if (E.isLeft(key)) return key;
    return E.right({
      head: decoded.right,
      algorithm: 'Ed25519',
      key: keyIdOf(createPublicKey(key.right)),
      signature: sign(null, signedBytes(decoded.right), key.right).toString('base64'),
    });
  } catch (error) {
    return E.left(`the private key cannot sign: ${reasonOf(error)}`);
  }
}

/**
 * The head a checkpoint signs, if it is a checkpoint (JSON parsed, from outside) whose signature
 * verifies under the public key; else why not. Never throws.
 */
export function verifyCheckpoint(checkpoint: unknown, publicKey: KeyObject): E.Either<string, LogHead> {
  const decoded = Checkpoint.decode(checkpoint);
  if (E.isLeft(decoded))
    return E.left(`the checkpoint is not valid: ${describeProblems(problemsOf(decoded.left))}`);
  const { head, key, signature } = decoded.right;
  try {
    if (verify(null, signedBytes(head), publicKey, Buffer.from(signature, 'base64'))) return E.right(head);
    const expected = keyIdOf(publicKey);
    return E.left(
      key === expected
        ? 'the checkpoint was altered: its signature does not verify under the public key that signed it'
        : `the checkpoint was signed by another key (${key.slice(0, 16)}…), not this public key (${expected.slice(0, 16)}…)`,
    );
  } catch (error) {
    return E.left(`the checkpoint's signature could not be checked: ${reasonOf(error)}`);
  }
}
