import fc from 'fast-check';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compileRules, defaultRules, rules2023, type LogFinding } from 'apss-domain';
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

const padded = (length: number) => length + ((4 - (length % 4)) % 4);

/** An entry's parts (see src/audit/resumeFile.ts): where it starts, its partner, where its state starts, where it ends. */
type EntryParts = { start: number; id: string; idEnd: number; state: number; end: number };

/** A resume file's parts, as its format says (see src/audit/resumeFile.ts), to check it and to break it. */
function partsOf(bytes: Buffer) {
  const headerEnd = 20 + bytes.readUInt32LE(16);
  const header = JSON.parse(bytes.toString('utf8', 20, headerEnd)) as { partners: number; counts: object };
  const entries: EntryParts[] = [];
  for (let at = headerEnd + 4; at < bytes.length;) {
    const idEnd = at + 12 + bytes.readUInt32LE(at + 8);
    const end = at + 4 + bytes.readUInt32LE(at);
    const id = bytes.toString('utf8', at + 12, idEnd);
    entries.push({ start: at, id, idEnd, state: at + padded(idEnd - at), end });
    at = end;
  }
  return { format: bytes.readUInt32LE(12), header, headerEnd, entries };
}

/**
 * The file with every checksum taken anew, as a writer would have written its bytes: what a file
 * damaged in a way no checksum shows (a writer's bug, a file made by hand) looks like.
 */
function resealed(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  const { headerEnd, entries } = partsOf(copy);
  let index = crc32(copy.subarray(20, headerEnd));
  for (const entry of entries) {
    copy.writeUInt32LE(crc32(copy.subarray(entry.start + 8, entry.end)), entry.start + 4);
    index = crc32(copy.subarray(entry.start, entry.idEnd), index);
  }
  copy.writeUInt32LE(index, headerEnd);
  return copy;
}

/** The sections of a state's bytes (see src/state/stateBytes.ts), as offsets in the file: its fields, each kind of record, its usage ids. */
function sectionsOf(bytes: Buffer, entry: EntryParts) {
  const sections: Record<string, { start: number; end: number }> = {};
  let at = entry.state;
  for (const name of ['fields', 'subscriptions', 'reservations', 'deployments', 'services']) {
    const end = at + 4 + bytes.readUInt32LE(at);
    sections[name] = { start: at + 4, end };
    at = entry.state + padded(end - entry.state);
  }
  sections.usage = { start: at, end: entry.end };
  return sections as Record<
    'fields' | 'subscriptions' | 'reservations' | 'deployments' | 'services' | 'usage',
    { start: number; end: number }
  >;
}

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

  it('given new lines that are usage of one partner, then its entry keeps the bytes of the records never read (reservations, deployments, services), and the findings are those of a full audit', async () => {
    const lines = [...generateLog({ partners: 3, events: 600, violations: 6, seed: 'in place' })];
    const log = fresh('usage.ndjson');
    writeFileSync(log, ndjson(lines.slice(0, 400)));
    const saved = fresh('usage.resume');
    const first = await resumed(log, saved);
    const before = readFileSync(saved);
    const entry = partsOf(before).entries[0] as EntryParts;
    const usage = lines
      .slice(400)
      .filter(
        (line) =>
          line.includes(`"partnerId":${JSON.stringify(entry.id)}`) && line.includes('"UsageRecorded"'),
      );
    expect(usage.length).toBeGreaterThan(0);
    appendFileSync(log, ndjson(usage));
    const second = await resumed(log, saved);
    expect([...first.found, ...second.found]).toEqual((await fullAudit(log, 1)).found);
    const after = readFileSync(saved);
    const now = partsOf(after).entries[0] as EntryParts;
    const [was, is] = [sectionsOf(before, entry), sectionsOf(after, now)];
    const bytesOf = (file: Buffer, { start, end }: { start: number; end: number }) =>
      file.subarray(start, end);
    for (const kind of ['reservations', 'deployments', 'services'] as const) {
      expect(bytesOf(before, was[kind]).length).toBeGreaterThan(8);
      expect(bytesOf(after, is[kind]).equals(bytesOf(before, was[kind]))).toBe(true);
    }
    expect(bytesOf(after, is.usage).equals(bytesOf(before, was.usage))).toBe(false);
  });

  it('given new usage of one partner (ids added to a table read where FILE was), then the other entries are written back as they were, and its ids are all there for the next run', async () => {
    const lines = [...generateLog({ partners: 3, events: 900, violations: 6, seed: 'table given' })];
    const log = fresh('given.ndjson');
    writeFileSync(log, ndjson(lines.slice(0, 500)));
    const saved = fresh('given.resume');
    const found = [...(await resumed(log, saved)).found];
    const before = readFileSync(saved);
    const entries = partsOf(before).entries;
    const met = (entries[0] as EntryParts).id;
    const usage = lines
      .slice(500)
      .filter(
        (line) => line.includes(`"partnerId":${JSON.stringify(met)}`) && line.includes('"UsageRecorded"'),
      );
    expect(usage.length).toBeGreaterThan(10);
    appendFileSync(log, ndjson(usage));
    found.push(...(await resumed(log, saved)).found);
    const after = readFileSync(saved);
    const now = partsOf(after).entries;
    const bytesOf = (file: Buffer, entry: EntryParts) => file.subarray(entry.start, entry.end);
    expect(now.map((entry) => entry.id)).toEqual(entries.map((entry) => entry.id));
    for (const index of [1, 2])
      expect(
        bytesOf(after, now[index] as EntryParts).equals(bytesOf(before, entries[index] as EntryParts)),
      ).toBe(true);
    // The same usage again (each id now a repeat), then the rest of the log: every partner met.
    appendFileSync(log, ndjson([...usage, ...lines.slice(500)]));
    found.push(...(await resumed(log, saved)).found);
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
      header: { partners: 3, counts: { records: 400, findings: full.found.length } },
    });
  });

  it('given new lines that name one partner, then only its entry is written anew: the others are copied byte for byte', async () => {
    const lines = [...generateLog({ partners: 3, events: 300, violations: 3, seed: 'verbatim' })];
    const log = fresh('verbatim.ndjson');
    writeFileSync(log, ndjson(lines.slice(0, 200)));
    const saved = fresh('verbatim.resume');
    await resumed(log, saved);
    const before = readFileSync(saved);
    const entries = partsOf(before).entries;
    const met = (entries[1] as { id: string }).id;
    const ofMet = lines.slice(200).filter((line) => line.includes(`"partnerId":${JSON.stringify(met)}`));
    expect(ofMet.length).toBeGreaterThan(0);
    appendFileSync(log, ndjson(['not json', ...ofMet]));
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
        const last = partsOf(bytes).entries[1] as EntryParts;
        copy.writeUInt32LE(copy.readUInt32LE(last.start) + 4, last.start);
        return copy;
      };
      expect(await damaged(longer)).toContain('entry 2 runs past the end of the file');
      const shorter = (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        const first = partsOf(bytes).entries[0] as EntryParts;
        copy.writeUInt32LE(copy.readUInt32LE(first.start) - 4, first.start);
        return copy;
      };
      expect(await damaged(shorter)).toMatch(
        /entry 2 (runs past the end|does not hold a partner id|holds a partner id longer than itself)|index's checksum/,
      );
    });

    it('an entry whose bytes are not the ones its checksum was taken of: refused when its partner is met again, and written back as it was until then', async () => {
      const flipped = (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        const first = partsOf(bytes).entries[0] as EntryParts;
        copy[first.end - 1] = (copy[first.end - 1] as number) ^ 0x01;
        return copy;
      };
      expect(await damaged(flipped)).toEqual('not refused: audited');
      expect(await damaged(flipped, true)).toMatch(
        /: entry 1 \(partner [^)]+\) does not match its checksum: the file was damaged$/,
      );
    });

    it('an entry that matches its checksum but whose state does not decode (a writer gone wrong): refused when its partner is met, or when the part is first read', async () => {
      // The state's fields: refused as the partner is met.
      const fields = (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        const first = partsOf(bytes).entries[0] as EntryParts;
        const at = copy.indexOf('"lastEventAt":"', first.state) + '"lastEventAt":"'.length;
        copy.write('x', at, 'latin1');
        return resealed(copy);
      };
      expect(await damaged(fields)).toEqual('not refused: audited');
      expect(await damaged(fields, true)).toMatch(
        /: entry 1 \(partner [^)]+\) is not a snapshot of a partner's state: state\.lastEventAt/,
      );
      // Every record's row: refused when the rules or the events first read a subscription.
      const row = (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        const entry = partsOf(bytes).entries[1] as EntryParts;
        const { subscriptions } = sectionsOf(copy, entry);
        const count = copy.readUInt32LE(subscriptions.start);
        const endsAt = subscriptions.start + 8 + copy.readUInt32LE(subscriptions.start + 4);
        const rowsAt = endsAt + 4 * count;
        for (let ordinal = 0; ordinal < count; ordinal++)
          copy.write(
            '}',
            rowsAt + (ordinal === 0 ? 0 : copy.readUInt32LE(endsAt + 4 * (ordinal - 1))),
            'latin1',
          );
        return resealed(copy);
      };
      expect(await damaged(row, true)).toMatch(
        /: entry 2 \(partner [^)]+\) is not a snapshot of a partner's state: state\.subscriptions has a row \(\d+\) that is not JSON/,
      );
      // Usage ids whose table points outside their text: refused before a lookup could read there.
      /** The file with the second entry's usage table changed by `change`, and its checksums made anew. */
      const usageTable =
        (change: (copy: Buffer, table: { start: number; placesAt: number; slots: number }) => void) =>
        (bytes: Buffer) => {
          const copy = Buffer.from(bytes);
          const { usage } = sectionsOf(copy, partsOf(bytes).entries[1] as EntryParts);
          change(copy, {
            start: usage.start,
            placesAt: usage.start + 16 + 4 * copy.readUInt32LE(usage.start + 8),
            slots: copy.readUInt32LE(usage.start + 12),
          });
          return resealed(copy);
        };
      const table = usageTable((copy, { placesAt, slots }) => {
        for (let slot = 0; slot < slots; slot++)
          if (copy.readUInt32LE(placesAt + 4 * slot) !== 0) {
            copy.writeUInt32LE(0xfffffff0, placesAt + 4 * slot);
            break;
          }
      });
      expect(await damaged(table, true)).toMatch(
        /: entry 2 \(partner [^)]+\) is not a snapshot of a partner's state: state\.usage holds ids that have a slot \(\d+\) that points outside their pages/,
      );
      // Usage ids whose table has no empty slot: refused, where a lookup of an id not there would never end.
      const full = usageTable((copy, { start, placesAt, slots }) => {
        const some = copy.readUInt32LE(start + 4);
        for (let slot = 0; slot < slots; slot++)
          if (copy.readUInt32LE(placesAt + 4 * slot) === 0) copy.writeUInt32LE(some, placesAt + 4 * slot);
        copy.writeUInt32LE(slots, start);
      });
      expect(await damaged(full, true)).toMatch(
        /: entry 2 \(partner [^)]+\) is not a snapshot of a partner's state: state\.usage holds ids that count \d+ ids in a table of \d+ slots: one at least must be empty/,
      );
    });

    it('property: a file with any one byte changed is refused, never read wrongly or written, when the new lines meet every partner', async () => {
      const log = fresh('log.ndjson');
      writeFileSync(log, text(0, 200));
      const saved = fresh('saved.resume');
      await resumed(log, saved);
      appendFileSync(log, text(200, 300));
      const bytes = readFileSync(saved);
      const met = new Set(lines.slice(200).map((line) => /"partnerId":"([^"]*)"/.exec(line)?.[1]));
      expect(partsOf(bytes).entries.every((entry) => met.has(entry.id))).toBe(true);
      await fc.assert(
        fc.asyncProperty(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
          const broken = Buffer.from(bytes);
          broken[at] = (broken[at] as number) ^ flip;
          const file = fresh('flipped.resume');
          writeFileSync(file, broken);
          const run = await resumed(log, file);
          expect(run.audited).toMatchObject({ kind: 'refused' });
          expect(readFileSync(file).equals(broken)).toBe(true);
        }),
        { numRuns: 150 },
      );
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
