import fc from 'fast-check';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRules, defaultRules, rules2023, type Finding } from 'apss-domain';
import { auditLogResuming, RESUME_FORMAT, WINDOW_BYTES } from '../../src/audit/resume.js';
import { generateLog } from '../../src/cli/generate/log.js';
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
    expect(JSON.parse(readFileSync(saved, 'utf8'))).toMatchObject({
      format: RESUME_FORMAT,
      counts: { records: 400, findings: full.found.length },
    });
  });

  it('refuses a resume file of another rule set, another log, a log cut short or a newer format, and says why; the file stays as it was', async () => {
    const lines = [...generateLog({ partners: 2, events: 300, violations: 2, seed: 'refusals' })];
    const text = lines.map((line) => `${line}\n`).join('');
    const log = fresh('log.ndjson');
    writeFileSync(log, text);
    const saved = fresh('saved.json');
    await resumed(log, saved);
    const kept = readFileSync(saved, 'utf8');
    const refusal = async (file: string, ruleSet = rules) => {
      const run = await resumed(file, saved, ruleSet);
      expect(run.found).toEqual([]);
      expect(readFileSync(saved, 'utf8')).toBe(kept);
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
    const newer = fresh('newer.json');
    writeFileSync(newer, JSON.stringify({ ...JSON.parse(kept), format: RESUME_FORMAT + 1 }));
    const run = await resumed(log, newer);
    expect(run.audited).toEqual({
      kind: 'refused',
      reason: `${newer}: it is of format 2, and this version reads format 1 only`,
    });
    const broken = fresh('broken.json');
    const parsed = JSON.parse(kept) as { partners: [string, { state: { version: number } }][] };
    (parsed.partners[0] as [string, { state: { version: number } }])[1].state.version = -1;
    writeFileSync(broken, JSON.stringify(parsed));
    expect((await resumed(log, broken)).audited).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining('partners.0.1 is not a snapshot'),
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
