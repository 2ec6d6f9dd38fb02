import fc from 'fast-check';
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compileRules, defaultRules, rules2023, type LogFinding } from 'apss-domain';
import { auditLogResuming, RESUME_FORMAT, WINDOW_BYTES } from '../../src/audit/resume.js';
import { openResumeFile } from '../../src/audit/resumeFile.js';
import { planResumeFile, saveResumeFile } from '../../src/audit/resumeSave.js';
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
  const found: LogFinding[] = [];
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
  const found: LogFinding[] = [];
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

/** A resume file's superblock (see src/audit/resumeFile.ts): the valid one with the highest sequence. */
function superblockOf(bytes: Buffer) {
  const blocks = [16, 48]
    .filter((at) => crc32(bytes.subarray(at, at + 28)) === bytes.readUInt32LE(at + 28))
    .map((at) => ({
      at,
      sequence: bytes.readUInt32LE(at),
      rootAt: bytes.readUInt32LE(at + 4),
      rootLength: bytes.readUInt32LE(at + 12),
      end: bytes.readUInt32LE(at + 20),
    }))
    .sort((a, b) => b.sequence - a.sequence);
  return blocks[0] as NonNullable<(typeof blocks)[0]>;
}

/** A partner's entry in the root: its id, fields, sections ([count, layers] or null) and usage extents. */
type Entry = [string, Record<string, unknown>, ([number, number[][]] | null)[], number[][]];

/** A resume file's parts, as its format says (see src/audit/resumeFile.ts), to check it and to break it. */
function partsOf(bytes: Buffer) {
  const superblock = superblockOf(bytes);
  const root = JSON.parse(
    bytes.toString('utf8', superblock.rootAt, superblock.rootAt + superblock.rootLength),
  ) as { header: { partners: number; counts: object }; live: number; partners: Entry[] };
  return { format: bytes.readUInt32LE(12), superblock, header: root.header, root, entries: root.partners };
}

/** The file with its root replaced (and its superblock's checksums taken anew): a root a writer gone wrong would write. */
function withRoot(bytes: Buffer, change: (root: ReturnType<typeof partsOf>['root']) => void): Buffer {
  const { superblock, root } = partsOf(bytes);
  change(root);
  const text = Buffer.from(JSON.stringify(root), 'utf8');
  const copy = Buffer.concat([bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4), text]);
  const at = superblock.at;
  copy.writeUInt32LE(bytes.length + ((4 - (bytes.length % 4)) % 4), at + 4);
  copy.writeUInt32LE(text.length, at + 12);
  copy.writeUInt32LE(crc32(text), at + 16);
  copy.writeUInt32LE(copy.length, at + 20);
  copy.writeUInt32LE(crc32(copy.subarray(at, at + 28)), at + 28);
  return copy;
}

/** Where a partner's layer of a kind of record is: [at, length, indexLength, indexCrc, count]. */
/** A generated log's lines, a log of the first of them, and a resume file of a run over those. */
async function started(name: string, log: Parameters<typeof generateLog>[0], first: number) {
  const lines = [...generateLog(log)];
  const file = fresh(`${name}.ndjson`);
  writeFileSync(file, ndjson(lines.slice(0, first)));
  const saved = fresh(`${name}.resume`);
  const { found } = await resumed(file, saved);
  return { lines, log: file, saved, found: [...found] };
}

/** A two-partner log of which a run read the first 150 lines, grown by its other 150 since. */
async function grownSince(seed: string) {
  const run = await started(seed, { partners: 2, events: 300, violations: 4, seed }, 150);
  appendFileSync(run.log, ndjson(run.lines.slice(150)));
  return run;
}

/** A log resumed in small runs, each of which adds a root and what its partners changed, until most of FILE is dead. */
async function mostlyDead(name: string) {
  const lines = [...generateLog({ partners: 3, events: 600, violations: 6, seed: name })];
  const log = fresh(`${name}.ndjson`);
  const saved = fresh(`${name}.resume`);
  const found: LogFinding[] = [];
  let from = 0;
  const dead = () => {
    const bytes = readFileSync(saved);
    return bytes.length - 80 - partsOf(bytes).root.live - partsOf(bytes).superblock.rootLength;
  };
  while (from === 0 || dead() <= partsOf(readFileSync(saved)).root.live) {
    const to = from === 0 ? 300 : from + 5;
    expect(to).toBeLessThan(lines.length);
    appendFileSync(log, ndjson(lines.slice(from, to)));
    found.push(...(await resumed(log, saved)).found);
    from = to;
  }
  return { lines, log, saved, found, from };
}

const layerOf = (entry: Entry, kind: number, layer = 0) =>
  (entry[2][kind] as [number, number[][]])[1][layer] as number[];
const SUBSCRIPTIONS = 0;

let runs = 0;
const fresh = (name: string) => join(files.dir, `${name}-${(runs += 1)}`);
/** Lines as the text of an NDJSON log: each followed by a newline. */
const ndjson = (lines: readonly string[]): string => lines.map((line) => `${line}\n`).join('');

describe('auditLogResuming', () => {
  needsBuiltCli();

  it('given a run whose report fails (finished rejects), then it rejects with that, FILE is left as it was, and the next run finds those findings again', async () => {
    const lines = [...generateLog({ partners: 2, events: 300, violations: 6, seed: 'report fails' })];
    const log = files.file('report-fails.ndjson', `${lines.slice(0, 150).join('\n')}\n`);
    const resumeFile = join(files.dir, 'report-fails.resume');
    await resumed(log, resumeFile);
    const saved = readFileSync(resumeFile);
    appendFileSync(log, `${lines.slice(150).join('\n')}\n`);
    const failure = new Error('the report could not be written');
    const seen: LogFinding[] = [];
    await expect(
      auditLogResuming(log, resumeFile, (finding) => seen.push(finding), {
        rules,
        finished: () => Promise.reject(failure),
      }),
    ).rejects.toBe(failure);
    expect(readFileSync(resumeFile).equals(saved)).toBe(true);
    const again = await resumed(log, resumeFile);
    expect(seen.length).toBeGreaterThan(0);
    expect(again.found).toEqual(seen);
  });

  it('property: findings(full audit of a ++ b ++ ...) == findings(audit of a) ++ findings(resume over b) ++ ..., totals equal, in 1 or 2 threads', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyLog,
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(1, 2),
        async (lines, cuts, jobs) => {
          const whole = files.file(`whole-${(runs += 1)}.ndjson`, ndjson(lines));
          const full = await fullAudit(whole, jobs);
          // Each run reads up to the next cut: those that name some partners only read some of the saved states, and of those, some of their parts.
          const ends = [...cuts.map((cut) => cut % (lines.length + 1)).sort((a, b) => a - b), lines.length];
          const log = files.file(`grown-${runs}.ndjson`, '');
          const saved = fresh('resume.json');
          const found: LogFinding[] = [];
          let from = 0;
          for (const end of ends) {
            appendFileSync(log, ndjson(lines.slice(from, end)));
            const run = await resumed(log, saved);
            expect(run.audited).toMatchObject({ kind: 'audited', after: from, found: run.found.length });
            found.push(...run.found);
            if (end === lines.length) expect(run.audited).toMatchObject({ summary: full.summary });
            from = end;
          }
          expect(found).toEqual(full.found);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('given new lines that are usage of one partner, then only what changed is added at the end: the records never read (reservations, deployments, services) stay where they were, its new ids go in one more extent, and the findings are those of a full audit', async () => {
    const { lines, log, saved, found } = await started(
      'usage',
      { partners: 3, events: 600, violations: 6, seed: 'in place' },
      400,
    );
    const before = readFileSync(saved);
    const entry = partsOf(before).entries[0] as Entry;
    const usage = lines
      .slice(400)
      .filter(
        (line) =>
          line.includes(`"partnerId":${JSON.stringify(entry[0])}`) && line.includes('"UsageRecorded"'),
      );
    expect(usage.length).toBeGreaterThan(0);
    appendFileSync(log, ndjson(usage));
    const second = await resumed(log, saved);
    expect([...found, ...second.found]).toEqual((await fullAudit(log, 1)).found);
    const after = readFileSync(saved);
    const now = partsOf(after).entries[0] as Entry;
    // Written only at its end: every byte before the end it had is as it was, but its superblocks.
    const end = partsOf(before).superblock.end;
    expect(after.subarray(80, end).equals(before.subarray(80, end))).toBe(true);
    for (const kind of [1, 2, 3]) expect(now[2][kind]).toEqual(entry[2][kind]);
    expect(now[3].slice(0, entry[3].length)).toEqual(entry[3]);
    expect(now[3].length).toBe(entry[3].length + 1);
    expect((now[3].at(-1) as number[])[0]).toBeGreaterThanOrEqual(end);
  });

  it('given new usage of one partner, then the other entries are as they were, and its ids are all there for the next run, which finds each again as a repeat', async () => {
    const { lines, log, saved, found } = await started(
      'given',
      { partners: 3, events: 900, violations: 6, seed: 'table given' },
      500,
    );
    const entries = partsOf(readFileSync(saved)).entries;
    const met = (entries[0] as Entry)[0];
    const usage = lines
      .slice(500)
      .filter(
        (line) => line.includes(`"partnerId":${JSON.stringify(met)}`) && line.includes('"UsageRecorded"'),
      );
    expect(usage.length).toBeGreaterThan(10);
    appendFileSync(log, ndjson(usage));
    found.push(...(await resumed(log, saved)).found);
    const now = partsOf(readFileSync(saved)).entries;
    expect(now.map((entry) => entry[0])).toEqual(entries.map((entry) => entry[0]));
    expect(now.slice(1)).toEqual(entries.slice(1));
    // The same usage again (each id now a repeat), then the rest of the log: every partner met.
    appendFileSync(log, ndjson([...usage, ...lines.slice(500)]));
    const again = await resumed(log, saved);
    const repeats = new Set(usage.map((line) => /"usageId":"([^"]*)"/.exec(line)?.[1]));
    expect(
      again.found.filter(
        (finding) => finding.code === 'DUPLICATE_ID' && finding.message.startsWith('usage id '),
      ).length,
    ).toBeGreaterThanOrEqual(repeats.size);
    found.push(...again.found);
    expect(found).toEqual((await fullAudit(log, 1)).found);
  });

  it('given a log resumed three times as it grows, then the findings and totals are those of one full audit', async () => {
    const lines = [...generateLog({ partners: 3, events: 400, violations: 6, seed: 'thrice' })];
    const log = fresh('thrice.ndjson');
    const saved = fresh('thrice.json');
    const found: LogFinding[] = [];
    for (const [from, to] of [
      [0, 100],
      [100, 250],
      [250, 250],
      [250, 400],
    ] as const) {
      appendFileSync(log, ndjson(lines.slice(from, to)));
      const run = await resumed(log, saved);
      found.push(...run.found);
      expect(run.audited).toMatchObject({ kind: 'audited', after: from });
    }
    const full = await fullAudit(log, 1);
    expect(found).toEqual(full.found);
    expect(partsOf(readFileSync(saved))).toMatchObject({
      format: RESUME_FORMAT,
      superblock: { sequence: 4 },
      header: { partners: 3, counts: { records: 400, findings: full.found.length } },
    });
  });

  it('given new lines that name one partner, then the others’ entries are as they were, and nothing before the file’s end is written', async () => {
    const { lines, log, saved } = await started(
      'verbatim',
      { partners: 3, events: 300, violations: 3, seed: 'verbatim' },
      200,
    );
    const before = readFileSync(saved);
    const { entries, superblock } = partsOf(before);
    const met = (entries[1] as Entry)[0];
    const ofMet = lines.slice(200).filter((line) => line.includes(`"partnerId":${JSON.stringify(met)}`));
    expect(ofMet.length).toBeGreaterThan(0);
    appendFileSync(log, ndjson(['not json', ...ofMet]));
    expect((await resumed(log, saved)).audited).toMatchObject({
      kind: 'audited',
      summary: { records: 201 + ofMet.length, partners: 3 },
    });
    const after = readFileSync(saved);
    const now = partsOf(after);
    expect(now.entries.map((entry) => entry[0])).toEqual(entries.map((entry) => entry[0]));
    for (const index of [0, 2]) expect(now.entries[index]).toEqual(entries[index]);
    expect(now.entries[1]).not.toEqual(entries[1]);
    expect(after.subarray(80, superblock.end).equals(before.subarray(80, superblock.end))).toBe(true);
    expect(now.superblock).toMatchObject({ sequence: superblock.sequence + 1 });
    expect(now.superblock.at).not.toBe(superblock.at);
  });

  it('given a file with more dead bytes than live ones, when saved with no floor, then it is written anew, smaller, and goes on to give the full audit’s findings', async () => {
    const { lines, log, saved, found, from } = await mostlyDead('compact');
    const grown = readFileSync(saved);
    // The same save a run makes, but with no floor under the dead bytes.
    const file = await openResumeFile(saved);
    if (file._tag === 'Left' || file.right === undefined) throw new Error('the file could not be opened');
    const opened = file.right;
    const entries = [...opened.entries.values()].map((entry) => ({ saved: entry }));
    await saveResumeFile(saved, planResumeFile(opened, entries), opened.header, { compactAfter: 0 });
    await opened.close();
    const compacted = readFileSync(saved);
    const parts = partsOf(compacted);
    expect(compacted.length).toBeLessThan(grown.length);
    expect(parts.superblock.end - 80 - parts.superblock.rootLength).toBe(parts.root.live);
    expect(parts.root.header).toEqual(partsOf(grown).root.header);
    appendFileSync(log, ndjson(lines.slice(from)));
    found.push(...(await resumed(log, saved)).found);
    expect(found).toEqual((await fullAudit(log, 1)).found);
  });

  it('given bytes after the end its superblock gives (a run that stopped while it added them), then they are written over, and the run is as any other', async () => {
    const { lines, log, saved, found } = await started(
      'torn',
      { partners: 2, events: 300, violations: 4, seed: 'torn' },
      150,
    );
    appendFileSync(saved, Buffer.alloc(1000, 0xee));
    appendFileSync(log, ndjson(lines.slice(150)));
    found.push(...(await resumed(log, saved)).found);
    expect(found).toEqual((await fullAudit(log, 1)).found);
    expect(readFileSync(saved).includes(Buffer.alloc(16, 0xee))).toBe(false);
  });

  it('given another run that wrote FILE after this one opened it, then this one does not write over it: it rejects, and FILE is the other run’s', async () => {
    const { log, saved } = await grownSince('two runs');
    let other: Buffer | undefined;
    const first = auditLogResuming(log, saved, () => undefined, {
      rules,
      finished: async () => {
        await resumed(log, saved);
        other = readFileSync(saved);
      },
    });
    await expect(first).rejects.toThrow(/another run wrote it since this one read it/);
    expect(readFileSync(saved).equals(other as Buffer)).toBe(true);
  });

  it('given files that runs stopped while writing FILE anew left beside it, then the next run that writes FILE removes them, and nothing else (not a folder of such a name)', async () => {
    const { log, saved } = await grownSince('leftovers');
    const leftovers = [`${saved}.4242.0123456789ab.tmp`, `${saved}.7.ffffffffffff.tmp`];
    const others = [
      `${saved}.tmp`,
      `${saved}.backup.0123456789ab.tmp`,
      `${saved}.4242.0123456789ab.tmp.keep`,
    ];
    for (const name of [...leftovers, ...others]) writeFileSync(name, 'bytes');
    // A folder of such a name is no file a run left: it stays, and does not stop the run.
    const folder = `${saved}.99.aaaaaaaaaaaa.tmp`;
    mkdirSync(folder);
    expect((await resumed(log, saved)).audited).toMatchObject({ kind: 'audited', after: 150 });
    const beside = readdirSync(files.dir).filter((name) => name.startsWith(basename(saved)));
    expect(beside.sort()).toEqual([saved, folder, ...others].map((name) => basename(name)).sort());
  });

  it('given FILE.lock of a run still going, then a run does not write FILE and rejects saying so; given one left by a run no longer running, then it rejects naming it, to be deleted by hand', async () => {
    const { log, saved } = await grownSince('locked');
    const before = readFileSync(saved);
    const lock = `${saved}.lock`;
    const running = spawn('sleep', ['30']);
    try {
      writeFileSync(lock, `${running.pid} token`);
      await expect(resumed(log, saved)).rejects.toThrow(
        `another run is writing it (process ${running.pid} holds ${lock}; if no run is writing it, delete ${lock})`,
      );
    } finally {
      running.kill();
    }
    // No process has id 2^22 + 1 on Linux (pid_max is at most 2^22); nor does this one hold the lock of its own id.
    for (const holder of [2 ** 22 + 1, process.pid]) {
      writeFileSync(lock, `${holder} token`);
      await expect(resumed(log, saved)).rejects.toThrow(
        `${lock} was left by a run that is no longer running (process ${holder}): if no run is writing it, delete ${lock}`,
      );
      expect(readFileSync(saved).equals(before)).toBe(true);
    }
    rmSync(lock);
    expect((await resumed(log, saved)).audited).toMatchObject({ kind: 'audited', after: 150 });
    expect(existsSync(lock)).toBe(false);
    expect(readdirSync(files.dir).filter((name) => name.startsWith(`${basename(saved)}.lock`))).toEqual([]);
  });

  it('given runs in one process that save one FILE at once, named in different ways, then one writes it and the others are told another run is at it, never that it was left behind', async () => {
    const { lines, log, saved } = await grownSince('in process');
    const names = [saved, join(files.dir, '.', basename(saved)), `${files.dir}//${basename(saved)}`];
    for (let round = 0; round < 5; round++) {
      const runs = await Promise.allSettled(names.map((name) => resumed(log, name)));
      const refusals = runs.flatMap((run) => (run.status === 'rejected' ? [String(run.reason)] : []));
      expect(runs.filter((run) => run.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
      for (const refusal of refusals)
        expect(refusal).toMatch(/another run (is writing it|was writing it|wrote it since this one read it)/);
      appendFileSync(log, ndjson(lines.slice(0, 10)));
    }
    expect(readdirSync(files.dir).filter((name) => name.startsWith(`${basename(saved)}.lock`))).toEqual([]);
  });

  it('given another run that wrote FILE after this one read it, then writing FILE anew (most of it dead) rejects too, and FILE is the other run’s', async () => {
    const { lines, log, saved, from } = await mostlyDead('anew');
    const opened = await openResumeFile(saved);
    if (opened._tag === 'Left' || opened.right === undefined) throw new Error('the file could not be opened');
    appendFileSync(log, ndjson(lines.slice(from)));
    await resumed(log, saved);
    const other = readFileSync(saved);
    const entries = [...opened.right.entries.values()].map((entry) => ({ saved: entry }));
    await expect(
      saveResumeFile(saved, planResumeFile(opened.right, entries), opened.right.header, { compactAfter: 0 }),
    ).rejects.toThrow('another run wrote it since this one read it');
    await opened.right.close();
    expect(readFileSync(saved).equals(other)).toBe(true);
  });

  it('given a partner whose usage grows a line a run for many runs, then it keeps a few extents (each more than twice the next), and every id is still there', async () => {
    const lines = [...generateLog({ partners: 1, events: 400, violations: 0, seed: 'extents' })];
    const log = fresh('extents.ndjson');
    const saved = fresh('extents.resume');
    writeFileSync(log, ndjson(lines.slice(0, 100)));
    const found = [...(await resumed(log, saved)).found];
    for (let line = 100; line < 200; line++) {
      appendFileSync(log, ndjson(lines.slice(line, line + 1)));
      found.push(...(await resumed(log, saved)).found);
    }
    const counts = (partsOf(readFileSync(saved)).entries[0] as Entry)[3].map((extent) => extent[2] as number);
    const ids = counts.reduce((sum, count) => sum + count, 0);
    expect(counts.length).toBeLessThanOrEqual(Math.log2(ids) + 1);
    counts.slice(1).forEach((count, i) => expect(counts[i]).toBeGreaterThan(2 * count));
    // Every usage line again: each a repeat the extents must know.
    appendFileSync(log, ndjson(lines.slice(0, 200).filter((line) => line.includes('"UsageRecorded"'))));
    found.push(...(await resumed(log, saved)).found);
    expect(found).toEqual((await fullAudit(log, 1)).found);
  });

  it('refuses a resume file of another rule set, another log, a log cut short or another format (an earlier or a newer one), and says why; the file stays as it was', async () => {
    const lines = [...generateLog({ partners: 2, events: 300, violations: 2, seed: 'refusals' })];
    const text = ndjson(lines);
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
    // Format 4 kept each state whole: a file of it, as of any format but this one, is refused, not read.
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
    const text = (from: number, to: number) => ndjson(lines.slice(from, to));
    const damaged = async (damage: (bytes: Buffer) => Buffer, grow = false) => {
      const log = fresh('log.ndjson');
      writeFileSync(log, text(0, 200));
      const saved = fresh('saved.resume');
      await resumed(log, saved);
      const broken = damage(readFileSync(saved));
      writeFileSync(saved, broken);
      if (grow) appendFileSync(log, text(200, 300));
      const run = await resumed(log, saved);
      if (run.audited.kind !== 'audited') expect(readFileSync(saved).equals(broken)).toBe(true);
      return run.audited.kind === 'refused' ? run.audited.reason : `not refused: ${run.audited.kind}`;
    };

    it('a file cut short: before the end its superblock gives, or inside its header', async () => {
      expect(await damaged((bytes) => bytes.subarray(0, bytes.length - 10))).toMatch(
        /it was cut short: a superblock says its blocks end at byte \d+, and it has \d+$/,
      );
      expect(await damaged((bytes) => bytes.subarray(0, 30))).toContain(
        'it was cut short, inside its header',
      );
    });

    it('a superblock or a root whose bytes are not those their checksums were taken of', async () => {
      const flip = (at: (bytes: Buffer) => number) => (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        copy[at(copy)] = (copy[at(copy)] as number) ^ 0x10;
        return copy;
      };
      expect(await damaged(flip((bytes) => partsOf(bytes).superblock.at + 4))).toContain(
        'a superblock does not match its checksum: the file was damaged',
      );
      expect(await damaged(flip((bytes) => partsOf(bytes).superblock.rootAt + 5))).toContain(
        'its root does not match its checksum: the file was damaged',
      );
    });

    it('given a file of two runs, its newer superblock damaged or its end cut off, then it is refused, not read from the older one (which would give the last run’s findings again)', async () => {
      const { lines, log, saved } = await started(
        'older',
        { partners: 2, events: 300, violations: 6, seed: 'older' },
        100,
      );
      appendFileSync(log, ndjson(lines.slice(100, 200)));
      await resumed(log, saved);
      appendFileSync(log, ndjson(lines.slice(200)));
      const bytes = readFileSync(saved);
      const newer = partsOf(bytes).superblock.at;
      for (const broken of [
        Buffer.concat([
          bytes.subarray(0, newer + 17),
          Buffer.from([(bytes[newer + 17] as number) ^ 4]),
          bytes.subarray(newer + 18),
        ]),
        bytes.subarray(0, bytes.length - 4),
      ]) {
        writeFileSync(saved, broken);
        const run = await resumed(log, saved);
        expect(run.audited).toMatchObject({
          kind: 'refused',
          reason: expect.stringMatching(/does not match its checksum|it was cut short/),
        });
        expect(run.found).toEqual([]);
        expect(readFileSync(saved).equals(broken)).toBe(true);
      }
    });

    it('a root whose places say what no file holds (a writer gone wrong): refused, naming the partner and what is wrong', async () => {
      const places = (change: (entry: Entry) => void) => (bytes: Buffer) =>
        withRoot(bytes, (root) => change(root.partners[1] as Entry));
      const section = (entry: Entry) => entry[2][SUBSCRIPTIONS] as [number, number[][]];
      expect(
        await damaged(
          places((entry) => (section(entry)[0] = 2 ** 40)),
          true,
        ),
      ).toMatch(
        /: entry 2 \(partner [^)]+\): its subscriptions say they are 1099511627776 records in 1 layers of \d+$/,
      );
      expect(
        await damaged(
          places((entry) => (section(entry)[0] = 0)),
          true,
        ),
      ).toMatch(/its subscriptions say they are 0 records/);
      expect(
        await damaged(
          places((entry) => ((section(entry)[1][0] as number[])[4] = 0)),
          true,
        ),
      ).toMatch(/its subscriptions have a layer of 0 records/);
      expect(
        await damaged(
          places((entry) => {
            const extent = entry[3][0] as number[];
            extent[2] = extent[3] as number;
          }),
          true,
        ),
      ).toMatch(/its usage ids have an extent of \d+ ids in \d+ slots$/);
    });

    it('a section whose bytes are not the ones its checksum was taken of: refused when its partner’s records are read, and left where it is until then', async () => {
      const flipped = (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        const at = (layerOf(partsOf(bytes).entries[0] as Entry, SUBSCRIPTIONS)[0] as number) + 9;
        copy[at] = (copy[at] as number) ^ 0x01;
        return copy;
      };
      expect(await damaged(flipped)).toEqual('not refused: audited');
      expect(await damaged(flipped, true)).toMatch(
        /: entry 1 \(partner [^)]+\) does not match its checksum \(its subscriptions\): the file was damaged$/,
      );
    });

    it('an entry whose root matches its checksum but whose state does not decode (a writer gone wrong): refused when its partner is met, or when the part is first read', async () => {
      // The state's fields: refused as the partner is met.
      const fields = (bytes: Buffer) =>
        withRoot(bytes, (root) => {
          ((root.partners[0] as Entry)[1] as { lastEventAt: string }).lastEventAt = 'x';
        });
      expect(await damaged(fields)).toEqual('not refused: audited');
      expect(await damaged(fields, true)).toMatch(
        /: entry 1 \(partner [^)]+\) is not a snapshot of a partner's state: state\.lastEventAt/,
      );
      // Places outside the file: refused as the partner is met.
      const outside = (bytes: Buffer) =>
        withRoot(bytes, (root) => {
          layerOf(root.partners[1] as Entry, SUBSCRIPTIONS)[0] = 1 << 30;
        });
      expect(await damaged(outside, true)).toMatch(
        /: entry 2 \(partner [^)]+\): its subscriptions lie outside the file$/,
      );
      // Every record's row, written anew with its checksum: refused when a subscription is first read.
      const row = (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        const [at, , indexLength, , count] = layerOf(
          partsOf(bytes).entries[1] as Entry,
          SUBSCRIPTIONS,
        ) as number[];
        const layer = at as number;
        const endsAt = layer + 8 + copy.readUInt32LE(layer + 4);
        const crcsAt = endsAt + 4 * (count as number);
        const rowsAt = layer + (indexLength as number);
        for (let ordinal = 0; ordinal < (count as number); ordinal++) {
          const start = ordinal === 0 ? 0 : copy.readUInt32LE(endsAt + 4 * (ordinal - 1));
          const end = copy.readUInt32LE(endsAt + 4 * ordinal);
          copy.write('}', rowsAt + start, 'latin1');
          copy.writeUInt32LE(crc32(copy.subarray(rowsAt + start, rowsAt + end)), crcsAt + 4 * ordinal);
        }
        // The index's checksum, in the root, taken anew over the changed row checksums.
        return withRoot(copy, (root) => {
          layerOf(root.partners[1] as Entry, SUBSCRIPTIONS)[3] = crc32(
            copy.subarray(layer, layer + (indexLength as number)),
          );
        });
      };
      expect(await damaged(row, true)).toMatch(
        /: entry 2 \(partner [^)]+\) is not a snapshot of a partner's state: state\.subscriptions has a row \(\d+\) that is not JSON/,
      );
      // Usage ids whose tags have no empty slot: refused, where a lookup of an id not there would never end.
      const full = (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        const extent = (partsOf(bytes).entries[1] as Entry)[3][0] as number[];
        const [at, , , slots] = extent as [number, number, number, number];
        copy.fill(9, at + 8, at + 8 + slots);
        return withRoot(copy, (root) => {
          ((root.partners[1] as Entry)[3][0] as number[])[4] = crc32(copy.subarray(at + 8, at + 8 + slots));
        });
      };
      expect(await damaged(full, true)).toMatch(
        /: entry 2 \(partner [^)]+\): its usage ids have an extent (of \d+ slots with no empty one|whose slot points)/,
      );
    });

    it('given a usage id whose text no lookup reads damaged, when the run merges its extent with the new ids, then it is refused before it answers: `finished` is not called, and FILE is as it was', async () => {
      const lines = [...generateLog({ partners: 1, events: 400, violations: 3, seed: 'merge damaged' })];
      const usage = (some: readonly string[]) =>
        some.filter((line) => line.includes('"UsageRecorded"')).length;
      let cut = 0;
      while (usage(lines.slice(0, cut)) < 60) cut += 1;
      expect(usage(lines.slice(cut))).toBeGreaterThan(30);
      const log = fresh('merge.ndjson');
      writeFileSync(log, ndjson(lines.slice(0, cut)));
      const saved = fresh('merge.resume');
      await resumed(log, saved);
      const bytes = readFileSync(saved);
      const [at, , , slots] = (partsOf(bytes).entries[0] as Entry)[3][0] as [number, number, number, number];
      // The first record's text: past its tags (padded to 4 bytes) and its starts, and its own hash.
      const recordsAt = at + 8 + slots + 4 * slots;
      bytes[recordsAt + 6] = (bytes[recordsAt + 6] as number) ^ 0x01;
      writeFileSync(saved, bytes);
      appendFileSync(log, ndjson(lines.slice(cut)));
      let finished = 0;
      const run = await auditLogResuming(log, saved, () => undefined, {
        rules,
        finished: () => {
          finished += 1;
          return Promise.resolve();
        },
      });
      expect(run).toMatchObject({
        kind: 'refused',
        reason: expect.stringMatching(/its usage ids have a usage id whose record is damaged$/),
      });
      expect(finished).toBe(0);
      expect(readFileSync(saved).equals(bytes)).toBe(true);
    });

    it('property: with any one byte changed, a run over new lines that meet every partner is refused, leaving the file as it was, or gives the full audit’s findings (the byte was in a part it did not read)', async () => {
      const log = fresh('log.ndjson');
      writeFileSync(log, text(0, 200));
      const saved = fresh('saved.resume');
      const first = (await resumed(log, saved)).found;
      appendFileSync(log, text(200, 300));
      const expected = (await fullAudit(log, 1)).found.slice(first.length);
      const bytes = readFileSync(saved);
      const met = new Set(lines.slice(200).map((line) => /"partnerId":"([^"]*)"/.exec(line)?.[1]));
      expect(partsOf(bytes).entries.every((entry) => met.has(entry[0]))).toBe(true);
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
          const broken = Buffer.from(bytes);
          broken[at] = (broken[at] as number) ^ flip;
          const file = fresh('flipped.resume');
          writeFileSync(file, broken);
          const run = await resumed(log, file);
          if (run.audited.kind === 'refused') {
            refused += 1;
            expect(readFileSync(file).equals(broken)).toBe(true);
          } else expect(run.found).toEqual(expected);
        }),
        { numRuns: 150 },
      );
      expect(refused).toBeGreaterThan(0);
    });

    it("a file of no resume format: another file, or an earlier version's JSON", async () => {
      expect(await damaged(() => Buffer.from('hello'))).toContain(
        'it is not a resume file (it does not begin with APSS-RESUME)',
      );
      expect(await damaged(() => Buffer.from('{"format":1}'))).toContain(
        `it is an earlier version's resume file (JSON, format 1), and this version reads format ${RESUME_FORMAT} only`,
      );
      // A log, or other JSON, is no resume file of any version: nobody is told to delete it as one.
      expect(await damaged(() => Buffer.from('{"type":"SharedTenantCreated"}\n{}\n'))).toContain(
        'it is not a resume file (it does not begin with APSS-RESUME)',
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
    const text = ndjson(lines);
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
