import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import { auditLog } from '../../src/audit/auditLog.js';
import type { LogFinding } from '../../src/audit/auditor.js';
import { generateLog } from '../../src/cli/generate/log.js';
import { compileRules, defaultRules } from '../../src/policies/ruleSet.js';
import { ChainWriter, GENESIS, sealedLine } from '../../src/seal/link.js';
import type { LogHead } from '../../src/seal/verify.js';
import { anyAttack, attacked, expectedBreaks, fields, type Attack } from './attacks.js';
import { exampleLines, sealLines } from './sealedLog.js';

const rules = (() => {
  const compiled = compileRules(defaultRules);
  if (compiled._tag === 'Left') throw new Error(compiled.left);
  return compiled.right;
})();

const example = sealLines(exampleLines());
const generated = (seed: string, events = 120): string[] =>
  sealLines([...generateLog({ partners: 4, events, violations: 2, seed })]);
/** Records of another log, to insert: none of them starts a chain (see the test of one that does). */
const foreign = generated('elsewhere').slice(1);

const chainFindings = (findings: readonly LogFinding[]): LogFinding[] =>
  findings.filter((f) => f.code === 'CHAIN_BROKEN' || f.code === 'CHECKPOINT_MISMATCH');

/** The findings of `audit --verify` of a log's lines read from its text (each link checked on its line). */
async function auditText(lines: readonly string[]): Promise<LogFinding[]> {
  const found: LogFinding[] = [];
  const audited = await auditLog(
    { stream: [Buffer.from(`${lines.join('\n')}\n`)][Symbol.iterator]() as never, name: 'log' },
    (f) => found.push(f),
    { rules, verify: {} },
  );
  expect(audited.kind).toBe('audited');
  return found;
}

/** The findings of audit() with verify, of the lines parsed (each link checked the long way). */
async function auditParsed(lines: readonly string[]): Promise<LogFinding[]> {
  return [
    ...(
      await audit(
        lines.map((l) => JSON.parse(l) as unknown),
        { verify: true },
      )
    ).findings,
  ];
}

function expectFound(findings: readonly LogFinding[], attack: Attack, n: number): void {
  const breaks = chainFindings(findings).map((f) => f.position);
  const { first, allowed } = expectedBreaks(attack, n);
  expect(breaks[0]).toBe(first);
  for (const position of breaks) expect(allowed).toContain(position);
  expect(chainFindings(findings).every((f) => f.code === 'CHAIN_BROKEN')).toBe(true);
}

describe('an untouched sealed log verifies clean', () => {
  it('given the sealed example log, when audited with verify, then the findings are those of the audit without it, and the chain is whole', async () => {
    const plain = await audit(exampleLines().map((l) => JSON.parse(l) as unknown));
    const verified = await audit(
      example.map((l) => JSON.parse(l) as unknown),
      { verify: true },
    );
    expect(verified.findings).toEqual(plain.findings);
    expect(verified.chain).toMatchObject({ sealed: true, breaks: 0, head: { position: example.length } });
    expect(await auditText(example)).toEqual(plain.findings);
  });

  it('given any generated log, sealed, then verifying adds no finding', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 8 }), async (seed) => {
        const lines = generated(seed, 60);
        expect(chainFindings(await auditText(lines))).toEqual([]);
      }),
      { numRuns: 20 },
    );
  });
});

describe('every attack on a sealed log is found where it is, and once', () => {
  it('given the sealed example log and any attack at any position, then the audit finds it there, read from text or parsed', async () => {
    await fc.assert(
      fc.asyncProperty(anyAttack(example.length, foreign.length), async (attack) => {
        const lines = attacked(example, attack, foreign);
        expectFound(await auditText(lines), attack, lines.length);
        expectFound(await auditParsed(lines), attack, lines.length);
      }),
      { numRuns: 300 },
    );
  });

  it('given any generated log, sealed, and any attack, then the audit finds it there', async () => {
    const seeds = ['a', 'b', 'c'].map((seed) => generated(seed));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.integer({ min: 2, max: 120 }).chain((n) => fc.tuple(fc.constant(n), anyAttack(n, foreign.length))),
        async (which, [n, attack]) => {
          const lines = attacked((seeds[which] as string[]).slice(0, n), attack, foreign);
          expectFound(await auditText(lines), attack, lines.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each(fields)(
    'given one character of %s changed in record 7, then CHAIN_BROKEN at 7 says it was altered',
    async (field) => {
      const lines = attacked(example, { kind: 'alter', at: 7, field, pick: 3 }, foreign);
      const [broken, ...more] = chainFindings(await auditText(lines));
      expect(more).toEqual([]);
      expect(broken?.position).toBe(7);
      expect(broken?.message).toMatch(/altered/);
    },
  );

  it('given a record deleted, then the record after it is found, with what likely happened', async () => {
    const [broken] = chainFindings(await auditText(attacked(example, { kind: 'delete', at: 12 }, foreign)));
    expect(broken).toEqual({
      position: 12,
      code: 'CHAIN_BROKEN',
      message:
        'its prev is not the hash of record 11: a record was deleted, inserted or moved before this one',
    });
  });

  it('given the first record deleted, then the new first record is found: its prev is not the chain start', async () => {
    const [broken] = chainFindings(await auditText(example.slice(1)));
    expect(broken?.position).toBe(1);
    expect(broken?.message).toMatch(/records before it were deleted/);
  });

  it('given a record copied after itself, then the copy is found, named a copy', async () => {
    const found = chainFindings(
      await auditText(attacked(example, { kind: 'duplicate', of: 4, at: 5 }, foreign)),
    );
    expect(found).toEqual([
      {
        position: 5,
        code: 'CHAIN_BROKEN',
        message: 'the record is a copy of record 4: a record was duplicated',
      },
    ]);
  });

  it('given a record that starts a chain of its own put before the first, then the record it displaced is found (the log now has two starts)', async () => {
    const stranger = generated('elsewhere')[0] as string;
    expect(JSON.parse(stranger)).toMatchObject({ prev: GENESIS });
    const found = chainFindings(await auditText([stranger, ...example]));
    expect(found.map((f) => f.position)).toEqual([2]);
    expect(found[0]?.message).toMatch(/starts a chain, but records come before it/);
  });

  it('given a line altered so that it is no longer JSON, then it is CHAIN_BROKEN and MALFORMED_EVENT, and the next record is not', async () => {
    const lines = [...example];
    lines[9] = (lines[9] as string).slice(0, -1);
    const found = (await auditText(lines)).filter((f) => f.position >= 10 && f.position <= 11);
    expect(found.map((f) => [f.position, f.code])).toEqual([
      [10, 'CHAIN_BROKEN'],
      [10, 'MALFORMED_EVENT'],
    ]);
  });

  it('given a record whose chain fields were removed, in a sealed log, then it is found', async () => {
    const lines = [...example];
    const { type, data, metadata } = JSON.parse(lines[3] as string) as Record<string, unknown>;
    lines[3] = JSON.stringify({ type, data, metadata });
    const found = chainFindings(await auditText(lines));
    expect(found.map((f) => f.position)).toEqual([4]);
    expect(found[0]?.message).toMatch(/no chain fields, in a sealed log/);
  });

  it('given records whose global positions go back though their links hold (a writer that sealed them so), then it is found', async () => {
    // Sealed in one go with global positions 1, 2, then 2 again: each link holds and follows the last.
    const writer = new ChainWriter();
    const records = exampleLines()
      .slice(0, 3)
      .map((line, i) => {
        const { type, data, metadata } = JSON.parse(line) as {
          type: string;
          data: unknown;
          metadata: unknown;
        };
        return sealedLine(
          writer.next({
            type,
            data,
            metadata,
            streamId: 's',
            streamPosition: i + 1,
            globalPosition: ['1', '2', '2'][i] as string,
          }),
        );
      });
    const found = chainFindings(await auditText(records));
    expect(found).toEqual([
      {
        position: 3,
        code: 'CHAIN_BROKEN',
        message: 'its global position 2 does not come after 2 of record 2: records were reordered',
      },
    ]);
  });
});

describe('truncation, which only a checkpoint shows', () => {
  const head = async (lines: readonly string[]): Promise<LogHead> => {
    const { chain } = await audit(
      lines.map((l) => JSON.parse(l) as unknown),
      { verify: true },
    );
    if (chain?.sealed !== true) throw new Error('not sealed');
    return chain.head;
  };

  it("given the log cut after any record, then without a checkpoint no break, and with the whole log's checkpoint CHECKPOINT_MISMATCH just after its end", async () => {
    const checkpoint = await head(example);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: example.length - 1 }), async (kept) => {
        const cut = example.slice(0, kept).map((l) => JSON.parse(l) as unknown);
        expect(chainFindings((await audit(cut, { verify: true })).findings)).toEqual([]);
        const against = chainFindings((await audit(cut, { verify: { checkpoints: [checkpoint] } })).findings);
        expect(against.map((f) => [f.position, f.code])).toEqual([[kept + 1, 'CHECKPOINT_MISMATCH']]);
      }),
      { numRuns: 30 },
    );
  });

  it('given a checkpoint of another log, then the log does not pass through it, at its position', async () => {
    const other = await head(generated('elsewhere').slice(0, 20));
    const found = chainFindings(
      (
        await audit(
          example.map((l) => JSON.parse(l) as unknown),
          { verify: { checkpoints: [other] } },
        )
      ).findings,
    );
    expect(found.map((f) => [f.position, f.code])).toEqual([[20, 'CHECKPOINT_MISMATCH']]);
  });
});

describe('a log without chain fields', () => {
  it('given a log that was never sealed, then it is audited as without verify, and the report says it was not verified', async () => {
    const plain = exampleLines().map((l) => JSON.parse(l) as unknown);
    const verified = await audit(plain, { verify: true });
    expect(verified).toEqual({ ...(await audit(plain)), chain: { sealed: false } });
  });
});
