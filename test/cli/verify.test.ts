import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LogFinding } from '../../src/audit/auditor.js';
import { generateLog } from '../../src/cli/generate/log.js';
import { anyAttack, attacked, expectedBreaks } from '../seal/attacks.js';
import { exampleLines, sealLines } from '../seal/sealedLog.js';
import { apss, apssBuilt, needsBuiltCli, scratch } from './run.js';

const files = scratch();
const lines = sealLines([...generateLog({ partners: 12, events: 3000, violations: 12, seed: 'verify' })]);
const foreign = sealLines([...generateLog({ partners: 3, events: 40, violations: 0, seed: 'other' })]).slice(
  1,
);
/** Short enough for a few audits in threads each test run, long enough that each thread has many records. */
const short = lines.slice(0, 400);
const text = (log: readonly string[]): string => `${log.join('\n')}\n`;
const sealed = files.file('sealed.ndjson', text(lines));
const example = files.file('example.ndjson', text(sealLines(exampleLines())));
const keys = `${files.dir}/keys`;
const otherKeys = `${files.dir}/other-keys`;

const parse = (ndjson: string): { findings: LogFinding[]; summary: Record<string, unknown> } => {
  const rows = ndjson
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { findings: rows.slice(0, -1) as LogFinding[], summary: rows.at(-1) as Record<string, unknown> };
};
const breaksOf = (findings: readonly LogFinding[]): number[] =>
  findings.filter((f) => f.code === 'CHAIN_BROKEN').map((f) => f.position);

describe('apss audit --verify', () => {
  needsBuiltCli();

  it('given the sealed example, then the report is that of the audit of the example, the chain whole', async () => {
    const plain = await apss(['audit', 'examples/apss-log.ndjson', '--json']);
    const verified = await apss(['audit', example, '--json', '--verify']);
    expect(verified.code).toBe(1);
    const { chain, ...report } = JSON.parse(verified.stdout) as { chain: unknown };
    expect(report).toEqual(JSON.parse(plain.stdout));
    expect(chain).toMatchObject({ sealed: true, breaks: 0, head: { position: 36, globalPosition: '36' } });
    expect(verified.stderr).toBe(
      `apss audit: the chain of ${example} holds, from its first record to record 36 (hash 93005edffdbe5d89…)\n`,
    );
  });

  it('given a log without chain fields, then it is audited as without --verify, and stderr says it could not be verified', async () => {
    const plain = await apss(['audit', 'examples/apss-log.ndjson']);
    const verified = await apss(['audit', 'examples/apss-log.ndjson', '--verify']);
    expect(verified.stdout).toBe(plain.stdout);
    expect(verified.stderr).toBe(
      'apss audit: examples/apss-log.ndjson has no chain fields: it was audited, but could not be verified\n',
    );
  });

  it('given any attack on a sealed log, then threads find it where one thread does, and the output is the same', async () => {
    await fc.assert(
      fc.asyncProperty(anyAttack(short.length, foreign.length), async (attack) => {
        const log = attacked(short, attack, foreign);
        const file = files.file('attacked.ndjson', text(log));
        const one = await apssBuilt(['audit', file, '--ndjson', '--verify', '--jobs', '1']);
        const three = await apssBuilt(['audit', file, '--ndjson', '--verify', '--jobs', '3']);
        expect(three).toEqual(one);
        expect(one.code).toBe(1);
        const breaks = breaksOf(parse(one.stdout).findings);
        const { first, allowed } = expectedBreaks(attack, log.length);
        expect(breaks[0]).toBe(first);
        for (const position of breaks) expect(allowed).toContain(position);
      }),
      { numRuns: 6 },
    );
  }, 180_000);

  it('given a sealed log whose last record, with no newline after it, was altered, then threads give its break before its finding, as one thread does', async () => {
    const last = JSON.parse(short.at(-1) as string) as Record<string, unknown>;
    const altered = [...short.slice(0, -1), JSON.stringify({ ...last, type: 'Nope' })];
    const file = files.file('altered-last.ndjson', altered.join('\n'));
    const one = await apssBuilt(['audit', file, '--ndjson', '--verify', '--jobs', '1']);
    const two = await apssBuilt(['audit', file, '--ndjson', '--verify', '--jobs', '2']);
    expect(two).toEqual(one);
    const atLast = parse(one.stdout).findings.filter(({ position }) => position === short.length);
    expect(atLast.map(({ code }) => code)).toEqual(['CHAIN_BROKEN', 'MALFORMED_EVENT']);
  });

  it('given an intact sealed log, then threads give the findings of the audit without --verify, and the head', async () => {
    const plain = await apssBuilt(['audit', sealed, '--ndjson', '--jobs', '2']);
    const verified = await apssBuilt(['audit', sealed, '--ndjson', '--verify', '--jobs', '2']);
    expect(parse(verified.stdout).findings).toEqual(parse(plain.stdout).findings);
    expect(parse(verified.stdout).summary.chain).toMatchObject({
      sealed: true,
      breaks: 0,
      head: { position: 3000 },
    });
  });
});

describe('apss keygen and apss checkpoint', () => {
  needsBuiltCli();

  it('given a new directory, then keygen writes a key pair, and refuses to overwrite it', async () => {
    expect((await apss(['keygen', '--out-dir', keys])).code).toBe(0);
    expect((await apss(['keygen', '--out-dir', otherKeys])).code).toBe(0);
    expect(await apss(['keygen', '--out-dir', keys])).toMatchObject({
      code: 2,
      stderr: `apss keygen: a key is already in ${keys}: apss keygen never overwrites one\n`,
    });
  });

  const checkpointOf = async (file: string, keyDir = keys): Promise<string> => {
    const signed = await apss(['checkpoint', file, '--key', `${keyDir}/private.pem`]);
    expect(signed.code).toBe(0);
    return files.file(`cp-${Math.random().toString(36).slice(2)}.json`, signed.stdout);
  };
  const verifyAgainst = (file: string, checkpoint: string, publicKey = `${keys}/public.pem`) =>
    apssBuilt(['audit', file, '--ndjson', '--verify', '--checkpoint', checkpoint, '--public-key', publicKey]);

  it('given a checkpoint of the sealed log, then the log verifies against it, in one thread or in threads', async () => {
    const checkpoint = await checkpointOf(sealed);
    const verified = await verifyAgainst(sealed, checkpoint);
    expect(verified.stderr).toMatch(
      /^apss audit: the chain of \S+ holds, from its first record to record \d+ \(hash [0-9a-f]{16}…\)\n$/,
    );
    expect(verified.stdout).toBe(
      (await apssBuilt(['audit', sealed, '--ndjson', '--verify', '--jobs', '1'])).stdout,
    );
    expect(breaksOf(parse(verified.stdout).findings)).toEqual([]);
  });

  it('given the log truncated after its checkpoint was signed, then CHECKPOINT_MISMATCH just after its last record', async () => {
    const checkpoint = await checkpointOf(sealed);
    const truncated = files.file('truncated.ndjson', text(lines.slice(0, 2500)));
    const { findings } = parse((await verifyAgainst(truncated, checkpoint)).stdout);
    expect(findings.filter((f) => f.code.startsWith('CH'))).toEqual([
      {
        position: 2501,
        code: 'CHECKPOINT_MISMATCH',
        message:
          "the log ends after 2500 records, before the checkpoint's 3000: records were removed from it",
      },
    ]);
  });

  it('given a checkpoint of another log, then CHECKPOINT_MISMATCH at its position', async () => {
    const other = files.file(
      'other.ndjson',
      text(
        lines
          .slice(0, 100)
          .map((_, i) => lines[i] as string)
          .slice(0, 99),
      ),
    );
    const checkpoint = await checkpointOf(other);
    const rewritten = files.file(
      'rewritten.ndjson',
      text(sealLines(exampleLines().concat(exampleLines()).concat(exampleLines()))),
    );
    const { findings } = parse((await verifyAgainst(rewritten, checkpoint)).stdout);
    expect(findings.filter((f) => f.code === 'CHECKPOINT_MISMATCH').map((f) => f.position)).toEqual([99]);
  });

  it('given a checkpoint signed with another key, then the audit is refused, exit 2, saying so', async () => {
    const checkpoint = await checkpointOf(sealed, otherKeys);
    const refused = await verifyAgainst(sealed, checkpoint);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^apss audit: .*cp-\w+\.json: the checkpoint was signed by another key \(\w{16}…\), not this public key \(\w{16}…\)\n$/,
    );
  });

  it('given a checkpoint whose head was changed, then the audit is refused: its signature does not verify', async () => {
    const checkpoint = JSON.parse(
      (await apss(['checkpoint', sealed, '--key', `${keys}/private.pem`])).stdout,
    ) as {
      head: { position: number };
    };
    checkpoint.head.position -= 1;
    const refused = await verifyAgainst(sealed, files.file('changed.json', JSON.stringify(checkpoint)));
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toMatch(/the checkpoint was altered: its signature does not verify/);
  });

  it('given a checkpoint file that is not one, then the audit is refused, naming the field', async () => {
    const refused = await verifyAgainst(sealed, files.file('bad.json', '{"head":{"position":0}}'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the checkpoint is not valid: .*head\.position/);
  });

  it('given a log whose chain is broken, or that is not sealed, then checkpoint signs nothing', async () => {
    const broken = files.file('broken.ndjson', text(attacked(lines, { kind: 'delete', at: 10 }, foreign)));
    expect(await apss(['checkpoint', broken, '--key', `${keys}/private.pem`])).toEqual({
      code: 2,
      stdout: '',
      stderr: `apss checkpoint: ${broken} is not signed: its chain is broken (1 break), first at line 10: its prev is not the hash of record 9: a record was deleted, inserted or moved before this one\n`,
    });
    expect(
      await apss(['checkpoint', 'examples/apss-log.ndjson', '--key', `${keys}/private.pem`]),
    ).toMatchObject({
      code: 2,
      stderr:
        'apss checkpoint: examples/apss-log.ndjson has no chain fields: only a sealed log has a head to sign\n',
    });
  });

  it('given --checkpoint without --public-key, or without --verify, then a usage error', async () => {
    expect((await apss(['audit', sealed, '--verify', '--checkpoint', 'cp.json'])).stderr).toMatch(
      /--checkpoint and --public-key go together/,
    );
    expect(
      (await apss(['audit', sealed, '--checkpoint', 'cp.json', '--public-key', 'k.pem'])).stderr,
    ).toMatch(/--checkpoint needs --verify/);
  });
});
