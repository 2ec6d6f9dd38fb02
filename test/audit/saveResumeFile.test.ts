import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveResumeFile, type EntryToWrite } from '../../src/audit/resumeFile.js';
import { compileRules, defaultRules } from '../../src/policies/ruleSet.js';

describe('saveResumeFile: a file not written whole is not put in place', () => {
  it('given a resume file, when saving a new one fails halfway, then the old one is left as it was and nothing else is left beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apss-save-'));
    const path = join(dir, 'resume.bin');
    writeFileSync(path, 'the earlier file');
    const rules = compileRules(defaultRules);
    if (rules._tag === 'Left') throw new Error(rules.left);
    const failing: Iterable<EntryToWrite> = {
      [Symbol.iterator]: () => ({
        next: () => {
          throw new Error('the states could not be read');
        },
      }),
    };
    const header = {
      rules: rules.right.source,
      log: { lines: 0, bytes: 0, ended: true, head: '', tail: '' },
      counts: { records: 0, events: 0, findings: 0 },
      partners: 1,
    };
    await expect(saveResumeFile(path, header, failing)).rejects.toThrow(/could not be read/);
    expect(readFileSync(path, 'utf8')).toBe('the earlier file');
    expect(readdirSync(dir)).toEqual(['resume.bin']);
  });
});
