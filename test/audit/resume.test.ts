import fc from 'fast-check';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRules, defaultRules, rules2023, type Finding } from 'apss-domain';
import { auditLogResuming, RESUME_FORMAT, WINDOW_BYTES } from '../../src/audit/resume.js';
import { generateLog } from '../../src/cli/generate/log.js';
import { SNAPSHOT_FORMAT } from '../../src/state/snapshot.js';
import { needsBuiltCli, scratch } from '../cli/run.js';

const files = scratch();
const compiled = (rules: typeof defaultRules) => {
  const result = compileRules(rules);
  if (result._tag === 'Left') throw new Error(result.left);
  return result.right;
};
const rules = compiled(defaultRules);

/** The built auditLog: worker threads load built modules. */
const builtAuditLog = async () =>
  ((await import(`../../${'dist/audit/auditLog.js'}`)) as typeof import('../../src/audit/auditLog.js'))
    .auditLog;

/** A full audit of a log file, in `jobs` threads (a thread for any share of the log). */
async function fullAudit(file: string, jobs: number) {
  const found: Finding[] = [];
  const audited = await (
    await builtAuditLog()
  )({ file }, (finding) => found.push(finding), {
    rules,
    jobs,
    minBytesPerShard: 1,
  });
  if (audited.kind !== 'audited') throw new Error('the log could not be audited');
  return { found, summary: audited.summary };
}

async function resumed(file: string, resumeFile: string, ruleSet = rules) {
  const found: Finding[] = [];
  const audited = await auditLogResuming(file, resumeFile, (finding) => found.push(finding), {
    rules: ruleSet,
  });
  return { found, audited };
}

/** Lines of a generated log (violations of every kind) with lines that hold no event among them. */
const oddLines = ['not json', '', '{}', '{"type":"UsageRecorded","data":{"partnerId":"p1"}}', '  ', 'null'];
const anyLog = fc
  .record({
    seed: fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s.trim().length > 0),
    partners: fc.integer({ min: 1, max: 4 }),
    extra: fc.integer({ min: 0, max: 120 }),
    odd: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...oddLines)), { maxLength: 6 }),
  })
  .map(({ seed, partners, extra, odd }) => {
    const lines = [...generateLog({ partners, events: 2 * partners + 4 + extra, violations: 4, seed })];
    for (const [at, line] of odd) lines.splice(at % (lines.length + 1), 0, line);
    return lines;
  });

/** A resume file's parts, as its format says (see src/audit/resumeFile.ts), to check it and to break it. */
function partsOf(bytes: Buffer) {
  const headerEnd = 20 + bytes.readUInt32LE(16);
  const header = JSON.parse(bytes.toString('utf8', 20, headerEnd)) as { partners: number; counts: object };
  const entries: { start: number; id: string; snapshot: number; end: number }[] = [];
  for (let at = headerEnd; at < bytes.length;) {
    const idEnd = at + 4 + bytes.readUInt32LE(at);
    const end = idEnd + 4 + bytes.readUInt32LE(idEnd);
    entries.push({ start: at, id: bytes.toString('utf8', at + 4, idEnd), snapshot: idEnd + 4, end });
    at = end;
  }
  return { format: bytes.readUInt32LE(12), header, entries };
}

let runs = 0;
const fresh = (name: string) => join(files.dir, `${name}-${(runs += 1)}`);

describe('auditLogResuming', () => {
  needsBuiltCli();

  it('property: findings(full audit of a ++ b) == findings(audit of a) ++ findings(resume over b), totals equal, in 1 or 2 threads', async () => {
    await fc.assert(
      fc.asyncProperty(anyLog, fc.nat(), fc.constantFrom(1, 2), async (lines, cut, jobs) => {
        const at = cut % (lines.length + 1);
        const whole = files.file(`whole-${(runs += 1)}.ndjson`, lines.map((line) => `${line}\n`).join(''));
        const full = await fullAudit(whole, jobs);

        const log = files.file(
          `grown-${runs}.ndjson`,
          lines
            .slice(0, at)
            .map((line) => `${line}\n`)
            .join(''),
        );
        const saved = fresh('resume.json');
        const first = await resumed(log, saved);
        appendFileSync(
          log,
          lines
            .slice(at)
            .map((line) => `${line}\n`)
            .join(''),
        );
        const second = await resumed(log, saved);

        expect([...first.found, ...second.found]).toEqual(full.found);
        expect(second.audited).toEqual({
          kind: 'audited',
          summary: full.summary,
          found: second.found.length,
          after: at,
        });
        expect(first.audited).toMatchObject({ kind: 'audited', after: 0, found: first.found.length });
      }),
      { numRuns: 25 },
    );
  });

  it('given a log resumed three times as it grows, then the findings and totals are those of one full audit', async () => {
    const lines = [...generateLog({ partners: 3, events: 400, violations: 6, seed: 'thrice' })];
    const log = fresh('thrice.ndjson');
    const saved = fresh('thrice.json');
    const found: Finding[] = [];
    for (const [from, to] of [
      [0, 100],
      [100, 250],
      [250, 250],
      [250, 400],
    ] as const) {
      appendFileSync(
        log,
        lines
          .slice(from, to)
          .map((line) => `${line}\n`)
          .join(''),
      );
      const run = await resumed(log, saved);
      found.push(...run.found);
      expect(run.audited).toMatchObject({ kind: 'audited', after: from });
    }
    const full = await fullAudit(log, 1);
    expect(found).toEqual(full.found);
    expect(partsOf(readFileSync(saved))).toMatchObject({
      format: RESUME_FORMAT,
      header: { partners: 3, counts: { records: 400, findings: full.found.length } },
    });
  });

  it('given new lines that name one partner, then only its entry is written anew: the others are copied byte for byte', async () => {
    const lines = [...generateLog({ partners: 3, events: 300, violations: 3, seed: 'verbatim' })];
    const log = fresh('verbatim.ndjson');
    writeFileSync(
      log,
      lines
        .slice(0, 200)
        .map((line) => `${line}\n`)
        .join(''),
    );
    const saved = fresh('verbatim.resume');
    await resumed(log, saved);
    const before = readFileSync(saved);
    const entries = partsOf(before).entries;
    const met = (entries[1] as { id: string }).id;
    const ofMet = lines.slice(200).filter((line) => line.includes(`"partnerId":${JSON.stringify(met)}`));
    expect(ofMet.length).toBeGreaterThan(0);
    appendFileSync(log, ['not json', ...ofMet].map((line) => `${line}\n`).join(''));
    expect((await resumed(log, saved)).audited).toMatchObject({
      kind: 'audited',
      summary: { records: 201 + ofMet.length, partners: 3 },
    });
    const after = readFileSync(saved);
    const bytesOf = (file: Buffer, entry: { start: number; end: number }) =>
      file.subarray(entry.start, entry.end);
    const now = partsOf(after).entries;
    expect(now.map((entry) => entry.id)).toEqual(entries.map((entry) => entry.id));
    for (const index of [0, 2])
      expect(bytesOf(after, now[index] as never).equals(bytesOf(before, entries[index] as never))).toBe(true);
    expect(bytesOf(after, now[1] as never).equals(bytesOf(before, entries[1] as never))).toBe(false);
  });

  it('refuses a resume file of another rule set, another log, a log cut short or another format (an earlier or a newer one), and says why; the file stays as it was', async () => {
    const lines = [...generateLog({ partners: 2, events: 300, violations: 2, seed: 'refusals' })];
    const text = lines.map((line) => `${line}\n`).join('');
    const log = fresh('log.ndjson');
    writeFileSync(log, text);
    const saved = fresh('saved.json');
    await resumed(log, saved);
    const kept = readFileSync(saved);
    const refusal = async (file: string, ruleSet = rules) => {
      const run = await resumed(file, saved, ruleSet);
      expect(run.found).toEqual([]);
      expect(readFileSync(saved).equals(kept)).toBe(true);
      return run.audited.kind === 'refused' ? run.audited.reason : `not refused: ${run.audited.kind}`;
    };
    expect(await refusal(log, compiled(rules2023))).toBe(
      `${saved} was saved under the default rules, not these (2023)`,
    );
    const other = fresh('other.ndjson');
    writeFileSync(other, text.replace('"p', '"q'));
    expect(await refusal(other)).toContain('are not the ones audited: another log, or one rewritten');
    const cut = fresh('cut.ndjson');
    writeFileSync(cut, text.slice(0, text.length - 10));
    expect(await refusal(cut)).toContain('fewer than the');
    // Format 2 held JSON snapshots: a file of it, as of any format but this one, is refused, not read.
    for (const format of [RESUME_FORMAT - 1, RESUME_FORMAT + 1]) {
      const other = fresh('format.json');
      const otherBytes = Buffer.from(readFileSync(saved));
      otherBytes.writeUInt32LE(format, 12);
      writeFileSync(other, otherBytes);
      expect((await resumed(log, other)).audited).toEqual({
        kind: 'refused',
        reason: `${other}: it is of format ${format}, and this version reads format ${RESUME_FORMAT} only`,
      });
    }
  });

  describe('given a resume file whose bytes were damaged, then it is refused, saying where, and left as it was', () => {
    const lines = [...generateLog({ partners: 2, events: 300, violations: 2, seed: 'damaged' })];
    const text = (from: number, to: number) =>
      lines
        .slice(from, to)
        .map((line) => `${line}\n`)
        .join('');
    const damaged = async (damage: (bytes: Buffer) => Buffer, grow = false) => {
      const log = fresh('log.ndjson');
      writeFileSync(log, text(0, 200));
      const saved = fresh('saved.resume');
      await resumed(log, saved);
      const broken = damage(readFileSync(saved));
      writeFileSync(saved, broken);
      if (grow) appendFileSync(log, text(200, 300));
      const run = await resumed(log, saved);
      expect(readFileSync(saved).equals(broken)).toBe(true);
      return run.audited.kind === 'refused' ? run.audited.reason : `not refused: ${run.audited.kind}`;
    };

    it('a file cut short, inside an entry or before its last', async () => {
      expect(await damaged((bytes) => bytes.subarray(0, bytes.length - 10))).toContain(
        'entry 2 runs past the end of the file',
      );
      expect(
        await damaged((bytes) => bytes.subarray(0, (partsOf(bytes).entries[1] as { start: number }).start)),
      ).toContain('its header counts 2 partners, and it holds 1');
      expect(await damaged((bytes) => bytes.subarray(0, 30))).toContain(
        'it was cut short, inside its header',
      );
    });

    it('an index whose lengths are wrong', async () => {
      const longer = (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        const last = partsOf(bytes).entries[1] as { snapshot: number };
        copy.writeUInt32LE(copy.readUInt32LE(last.snapshot - 4) + 1, last.snapshot - 4);
        return copy;
      };
      expect(await damaged(longer)).toContain('entry 2 runs past the end of the file');
      const shorter = (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        const first = partsOf(bytes).entries[0] as { start: number };
        copy.writeUInt32LE(copy.readUInt32LE(first.start) + 3, first.start);
        return copy;
      };
      expect(await damaged(shorter)).toMatch(/entry 1 (runs past the end|does not begin with a partner id)/);
    });

    it('an entry whose snapshot does not decode: found when its partner is met again in the new lines', async () => {
      const corrupt = (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        const first = partsOf(bytes).entries[0] as { snapshot: number; end: number; id: string };
        const at = copy.indexOf('"lastEventAt":"', first.snapshot) + '"lastEventAt":"'.length;
        copy.write('x', at, 'latin1');
        return copy;
      };
      expect(await damaged(corrupt)).toEqual('not refused: audited');
      expect(await damaged(corrupt, true)).toMatch(
        /: entry 1 \(partner [^)]+\) is not a snapshot of a partner's state: .*state\.lastEventAt/,
      );
      // A snapshot's bytes: its format (u32), its JSON's length (u32), its JSON (see snapshotBytes).
      const notJson = (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        copy.write('}', (partsOf(bytes).entries[1] as { snapshot: number }).snapshot + 8, 'latin1');
        return copy;
      };
      expect(await damaged(notJson, true)).toMatch(
        /: entry 2 \(partner [^)]+\) is not a snapshot of a partner's state: its fields are not JSON/,
      );
      const newer = (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        copy.writeUInt32LE(SNAPSHOT_FORMAT + 1, (partsOf(bytes).entries[1] as { snapshot: number }).snapshot);
        return copy;
      };
      expect(await damaged(newer, true)).toMatch(
        new RegExp(
          `: entry 2 \\(partner [^)]+\\) is a snapshot of format ${SNAPSHOT_FORMAT + 1}, which this version does not read`,
        ),
      );
    });

    it("a file of no resume format: another file, or an earlier version's JSON", async () => {
      expect(await damaged(() => Buffer.from('hello'))).toContain(
        'it is not a resume file (it does not begin with APSS-RESUME)',
      );
      expect(await damaged(() => Buffer.from('{"format":1}'))).toContain(
        `it is an earlier version's resume file (JSON, format 1), and this version reads format ${RESUME_FORMAT} only`,
      );
    });
  });

  it('given a log whose last line had no newline, then a grown log is refused: the new bytes may continue that line', async () => {
    const log = fresh('open.ndjson');
    writeFileSync(log, 'not json\n{"type":"Nope"');
    const saved = fresh('open.json');
    expect((await resumed(log, saved)).audited).toMatchObject({ kind: 'audited' });
    expect((await resumed(log, saved)).audited).toMatchObject({ kind: 'audited', found: 0, after: 2 });
    appendFileSync(log, '}\n');
    expect((await resumed(log, saved)).audited).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining('had no newline'),
    });
  });

  it('fingerprints only the bytes near the saved position: an edit further back goes unseen (as docs/cli.md says)', async () => {
    const lines = [...generateLog({ partners: 2, events: 2000, violations: 0, seed: 'window' })];
    const text = lines.map((line) => `${line}\n`).join('');
    expect(text.length).toBeGreaterThan(3 * WINDOW_BYTES);
    const log = fresh('window.ndjson');
    writeFileSync(log, text);
    const saved = fresh('window.json');
    await resumed(log, saved);
    const middle = Math.floor(text.length / 2);
    writeFileSync(log, `${text.slice(0, middle)}#${text.slice(middle + 1)}`);
    expect((await resumed(log, saved)).audited).toMatchObject({ kind: 'audited', found: 0 });
    rmSync(saved);
    expect(existsSync(saved)).toBe(false);
  });
});
