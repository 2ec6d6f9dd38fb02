import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeygenArguments } from '../args.js';
import { put, type CliIo } from '../io.js';
import { reasonOf } from '../source.js';

/** `apss keygen`: a new Ed25519 key pair as PEM files; an existing key is never overwritten. */
export async function keygenCommand({ outDir }: KeygenArguments, io: CliIo): Promise<number> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePath = join(outDir, 'private.pem');
  const publicPath = join(outDir, 'public.pem');
  try {
    await mkdir(outDir, { recursive: true });
    // 'wx': fails if the file exists, so that a key in use is not lost.
    await writeFile(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      flag: 'wx',
      mode: 0o600,
    });
    await writeFile(publicPath, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'wx' });
  } catch (error) {
    const exists = (error as { code?: unknown }).code === 'EEXIST';
    await put(
      io.stderr,
      `apss keygen: ${exists ? `a key is already in ${outDir}: apss keygen never overwrites one` : reasonOf(error)}\n`,
    );
    return 2;
  }
  await put(io.stderr, `apss keygen: wrote ${privatePath} (keep it secret) and ${publicPath}\n`);
  return 0;
}
