import { link, mkdtemp, rm } from 'node:fs/promises';
import { appendFileSync, existsSync, readdirSync, statfsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRules, defaultRules, type LogFinding } from 'apss-domain';
import { auditLog } from '../../src/audit/auditLog.js';
import { auditLogResuming } from '../../src/audit/resume.js';
import { openResumeFile } from '../../src/audit/resumeFile.js';
import { planResumeFile, saveResumeFile } from '../../src/audit/resumeSave.js';
import { generateLog } from '../../src/cli/generate/log.js';

// `apss audit --resume FILE` where FILE lies on a filesystem without hard links (FAT, exFAT, some
// network and FUSE mounts), on which FILE.lock cannot be linked into place. APSS_NO_HARD_LINKS_DIR
// names a writable folder on one; .ci/run mounts an exFAT image through FUSE and demands it
// (APSS_REQUIRE_NO_HARD_LINKS=1). Elsewhere these tests are skipped with one line.

const folder = process.env.APSS_NO_HARD_LINKS_DIR;
const required = process.env.APSS_REQUIRE_NO_HARD_LINKS === '1';

const compiled = compileRules(defaultRules);
if (compiled._tag === 'Left') throw new Error(compiled.left);
const rules = compiled.right;
const ndjson = (lines: readonly string[]): string => lines.map((line) => `${line}\n`).join('');

async function resumed(log: string, file: string) {
  const found: LogFinding[] = [];
  const audited = await auditLogResuming(log, file, (finding) => found.push(finding), { rules });
  return { found, audited };
}

async function fullAudit(log: string) {
  const found: LogFinding[] = [];
  const audited = await auditLog({ file: log }, (finding) => found.push(finding), { rules, jobs: 1 });
  if (audited.kind !== 'audited') throw new Error('the log could not be audited');
  return found;
}

if (folder !== undefined)
  describe('apss audit --resume on a filesystem without hard links', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(folder, 'apss-'));
      writeFileSync(join(dir, 'probe'), '');
      // The folder must be what it is said to be, or these tests prove nothing.
      await expect(link(join(dir, 'probe'), join(dir, 'probe.link'))).rejects.toMatchObject({
        code: expect.stringMatching(/^(EPERM|ENOTSUP|EOPNOTSUPP|ENOSYS)$/),
      });
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const grown = (name: string) => {
      const lines = [...generateLog({ partners: 3, events: 200, violations: 6, seed: name })];
      const log = join(dir, `${name}.ndjson`);
      writeFileSync(log, ndjson(lines.slice(0, 120)));
      return { lines, log, file: join(dir, `${name}.apss`) };
    };

    it('given FILE there, then runs write it under their lock, let go of the lock, and give the full audit’s findings, also once FILE is written anew', async () => {
      const { lines, log, file } = grown('runs');
      const found = [...(await resumed(log, file)).found];
      appendFileSync(log, ndjson(lines.slice(120, 160)));
      found.push(...(await resumed(log, file)).found);
      // Written anew: to a file of its own, synced, renamed over FILE.
      const opened = await openResumeFile(file);
      if (opened._tag === 'Left' || opened.right === undefined) throw new Error('FILE could not be opened');
      const entries = [...opened.right.entries.values()].map((entry) => ({ saved: entry }));
      await saveResumeFile(file, planResumeFile(opened.right, entries), opened.right.header, {
        compactAfter: 0,
      });
      await opened.right.close();
      appendFileSync(log, ndjson(lines.slice(160)));
      const last = await resumed(log, file);
      expect(last.audited).toMatchObject({ kind: 'audited', after: 160 });
      found.push(...last.found);
      expect(found).toEqual(await fullAudit(log));
      expect(readdirSync(dir).filter((name) => name.startsWith(basename(file)))).toEqual([basename(file)]);
    });

    it('given FILE.lock left there empty (a run stopped while it made it), then a run does not write FILE and says to delete the lock', async () => {
      const { lines, log, file } = grown('empty lock');
      await resumed(log, file);
      appendFileSync(log, ndjson(lines.slice(120)));
      writeFileSync(`${file}.lock`, '');
      await expect(resumed(log, file)).rejects.toThrow(
        `another run is making ${file}.lock, or left it empty (if no run is writing it, delete ${file}.lock)`,
      );
      await rm(`${file}.lock`);
      expect((await resumed(log, file)).audited).toMatchObject({ kind: 'audited', after: 120 });
      expect(existsSync(`${file}.lock`)).toBe(false);
    });

    it('given a disk that fills as FILE.lock is made, then the run fails naming the lock and leaves none: the next run, with room again, writes FILE', async () => {
      const { lines, log, file } = grown('full disk');
      await resumed(log, file);
      appendFileSync(log, ndjson(lines.slice(120)));
      // Room for the run's own lock file and no more: the lock made under its name has none to be written.
      const { bsize, bavail } = statfsSync(dir);
      const filler = join(dir, 'filler');
      writeFileSync(filler, Buffer.alloc((bavail - 1) * bsize));
      try {
        await expect(resumed(log, file)).rejects.toThrow(`ENOSPC: ${file}.lock could not be made`);
        expect(existsSync(`${file}.lock`)).toBe(false);
      } finally {
        await rm(filler);
      }
      expect((await resumed(log, file)).audited).toMatchObject({ kind: 'audited', after: 120 });
    });

    it('given runs in one process that save one FILE at once, then one writes it and the others are told another run is at it', async () => {
      const { lines, log, file } = grown('at once');
      await resumed(log, file);
      appendFileSync(log, ndjson(lines.slice(120)));
      const runs = await Promise.allSettled([1, 2, 3].map(() => resumed(log, file)));
      const refusals = runs.flatMap((run) => (run.status === 'rejected' ? [String(run.reason)] : []));
      expect(runs.filter((run) => run.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
      for (const refusal of refusals)
        expect(refusal).toMatch(/another run (is making|is writing|wrote it since)/);
      expect(existsSync(`${file}.lock`)).toBe(false);
    });
  });
else if (required)
  describe('a filesystem without hard links', () => {
    it('is named by APSS_NO_HARD_LINKS_DIR, as APSS_REQUIRE_NO_HARD_LINKS=1 demands', () => {
      throw new Error(
        'APSS_REQUIRE_NO_HARD_LINKS=1 but APSS_NO_HARD_LINKS_DIR is not set: mount one (.ci/run mounts exFAT through FUSE)',
      );
    });
  });
else {
  console.log(
    'resume without hard links: skipped, APSS_NO_HARD_LINKS_DIR names no folder on a filesystem without hard links (.ci/run mounts one)',
  );
  describe.skip('apss audit --resume on a filesystem without hard links (no such folder)', () => {
    it('needs APSS_NO_HARD_LINKS_DIR', () => undefined);
  });
}
