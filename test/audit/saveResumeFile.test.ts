import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openResumeFile } from '../../src/audit/resumeFile.js';
import {
  BatchWriter,
  saveResumeFile,
  type BatchTarget,
  type EntryToWrite,
} from '../../src/audit/resumeSave.js';
import { compileRules, defaultRules } from '../../src/policies/ruleSet.js';

describe('saveResumeFile: a file not written whole is not put in place, nor added to', () => {
  const rules = compileRules(defaultRules);
  if (rules._tag === 'Left') throw new Error(rules.left);
  const header = {
    rules: rules.right.source,
    log: { lines: 0, bytes: 0, ended: true, head: `${'A'.repeat(43)}=`, tail: `${'A'.repeat(43)}=` },
    counts: { records: 0, events: 0, findings: 0 },
    partners: 1,
  };
  const failing: EntryToWrite = {
    partnerId: 'p1',
    get state(): never {
      throw new Error('the states could not be read');
    },
  };

  it('given a resume file, when writing a new one fails halfway, then the old one is left as it was and nothing else is left beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apss-save-'));
    const path = join(dir, 'resume.bin');
    writeFileSync(path, 'the earlier file');
    await expect(saveResumeFile(path, undefined, header, [failing])).rejects.toThrow(/could not be read/);
    expect(readFileSync(path, 'utf8')).toBe('the earlier file');
    expect(readdirSync(dir)).toEqual(['resume.bin']);
  });

  it('given a resume file, when adding to it fails, then it is left as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apss-save-'));
    const path = join(dir, 'resume.bin');
    await saveResumeFile(path, undefined, { ...header, partners: 0 }, []);
    const before = readFileSync(path);
    const opened = await openResumeFile(path);
    if (opened._tag === 'Left' || opened.right === undefined) throw new Error('the file could not be opened');
    const unwritable = {
      ...header,
      partners: 0,
      toJSON: () => {
        throw new Error('the header could not be written');
      },
    };
    await expect(saveResumeFile(path, opened.right, unwritable, [])).rejects.toThrow(/could not be written/);
    await opened.right.close();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['resume.bin']);
  });
});

describe('BatchWriter: no write is given more bytes than Node can say it wrote', () => {
  // Node reports a write's bytes as a 32-bit integer: a writev of 3 GiB wrote them all and said it
  // wrote -1 GiB. The bound is made small here; the parts are what a resume file is written of.
  const writes = (sizes: readonly number[], writeBytes: number) => {
    const calls: number[][] = [];
    const written: number[] = [];
    const target = {
      writev: (buffers: readonly NodeJS.ArrayBufferView[]) => {
        calls.push(buffers.map((buffer) => buffer.byteLength));
        for (const buffer of buffers)
          written.push(...new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
        return Promise.resolve({
          bytesWritten: buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0),
          buffers,
        });
      },
    } as unknown as BatchTarget;
    return {
      calls,
      written,
      writer: new BatchWriter(target, 0, writeBytes),
      parts: sizes.map((size, n) => Uint8Array.from({ length: size }, (_, i) => (n * 31 + i) % 251)),
    };
  };

  it('given parts that together pass the bound and a part longer than it, when written, then each write stays within the bound and the file gets every byte in order', async () => {
    const { calls, written, writer, parts } = writes([40, 70, 10, 250, 0, 30], 100);
    await writer.write(parts);
    expect(
      calls.map((sizes) => sizes.reduce((sum, size) => sum + size, 0)).every((bytes) => bytes <= 100),
    ).toBe(true);
    expect(calls).toEqual([[40], [70, 10], [100], [100], [50, 30]]);
    expect(written).toEqual(parts.flatMap((part) => [...part]));
  });

  it('given a write that says it wrote less than it was given, when written, then it rejects naming both counts', async () => {
    const target = {
      writev: () => Promise.resolve({ bytesWritten: -1, buffers: [] }),
    } as unknown as BatchTarget;
    const writer = new BatchWriter(target, 0, 100);
    await expect(writer.write([new Uint8Array(10)])).rejects.toThrow('wrote -1 of 10 bytes');
  });
});
