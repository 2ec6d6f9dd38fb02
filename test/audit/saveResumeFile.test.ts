import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openResumeFile } from '../../src/audit/resumeFile.js';
import { BatchWriter, type BatchTarget } from '../../src/audit/blockWriter.js';
import { planResumeFile, saveResumeFile } from '../../src/audit/resumeSave.js';
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
  /** A header that cannot be written: the run fails once the blocks are laid, before anything is in place. */
  const unwritable = {
    ...header,
    partners: 0,
    toJSON: () => {
      throw new Error('the header could not be written');
    },
  };

  const opened = async (path: string) => {
    const file = await openResumeFile(path);
    if (file._tag === 'Left' || file.right === undefined) throw new Error('the file could not be opened');
    return file.right;
  };

  it('given a resume file, when writing it anew fails halfway, then it is left as it was and nothing else is left beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apss-save-'));
    const path = join(dir, 'resume.bin');
    await saveResumeFile(path, planResumeFile(undefined, []), { ...header, partners: 0 });
    // A second root at its end: the first is dead, more bytes than the none that live.
    const first = await opened(path);
    await saveResumeFile(path, planResumeFile(first, []), { ...header, partners: 0 });
    await first.close();
    const before = readFileSync(path);
    const second = await opened(path);
    await expect(
      saveResumeFile(path, planResumeFile(second, []), unwritable, { compactAfter: 0 }),
    ).rejects.toThrow(/could not be written/);
    await second.close();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['resume.bin']);
  });

  it('given a resume file, when adding to it fails, then it is left as it was, and so is its folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apss-save-'));
    const path = join(dir, 'resume.bin');
    await saveResumeFile(path, planResumeFile(undefined, []), { ...header, partners: 0 });
    const before = readFileSync(path);
    const file = await opened(path);
    await expect(saveResumeFile(path, planResumeFile(file, []), unwritable)).rejects.toThrow(
      /could not be written/,
    );
    await file.close();
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
