import * as fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveResumeFile, type EntryToWrite } from '../../src/audit/resumeFile.js';
import { writeAll } from '../../src/audit/writeAll.js';
import { compileRules, defaultRules } from '../../src/policies/ruleSet.js';

/** A file that takes at most the next of `caps` bytes from each writev, as a full disk or a 2 GB cap does. */
function cappedFile(caps: readonly number[]) {
  const written: number[] = [];
  let call = 0;
  return {
    written,
    writev: async (buffers: Uint8Array[]) => {
      let room = caps[call++ % caps.length] ?? 0;
      let bytesWritten = 0;
      for (const buffer of buffers) {
        const taken = buffer.subarray(0, room);
        written.push(...taken);
        bytesWritten += taken.length;
        room -= taken.length;
      }
      return { bytesWritten };
    },
  };
}

describe('writeAll: every byte written, whatever each writev takes', () => {
  it('given parts and a file that takes a few bytes at a time, when written, then the file holds the parts in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 }),
        async (parts, caps) => {
          const file = cappedFile(caps);
          await writeAll(file, parts);
          expect(file.written).toEqual(parts.flatMap((part) => [...part]));
        },
      ),
    );
  });

  it('given a file that takes nothing, when written, then it rejects rather than trying for ever', async () => {
    await expect(writeAll(cappedFile([0]), [new Uint8Array([1, 2, 3])])).rejects.toThrow(/took none/);
  });
});

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
