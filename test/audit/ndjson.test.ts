import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readNdjson } from '../../src/audit/ndjson.js';

type Read = { position: number; value?: unknown; problem?: string };

async function read(
  chunks: Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>,
  maxLineBytes?: number,
) {
  const lines: Read[] = [];
  await readNdjson(
    chunks,
    {
      value: (position, value) => lines.push({ position, value }),
      problem: (position, problem) => lines.push({ position, problem }),
    },
    maxLineBytes === undefined ? {} : { maxLineBytes },
  );
  return lines;
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('NDJSON lines', () => {
  it('given LF, CRLF and a final line without a newline, then every line is read at its line number', async () => {
    expect(await read([bytes('{"a":1}\n{"a":2}\r\n{"a":3}')])).toEqual([
      { position: 1, value: { a: 1 } },
      { position: 2, value: { a: 2 } },
      { position: 3, value: { a: 3 } },
    ]);
  });

  it('given blank lines (empty, spaces, a lone CR), then they are skipped but counted', async () => {
    expect(await read([bytes('\n{"a":1}\n   \n\r\n\t\n{"a":2}\n\n')])).toEqual([
      { position: 2, value: { a: 1 } },
      { position: 6, value: { a: 2 } },
    ]);
  });

  it('given a UTF-8 byte-order mark, then it is not part of the first line', async () => {
    expect(await read([Buffer.from([0xef, 0xbb, 0xbf]), bytes('{"a":"é"}\n')])).toEqual([
      { position: 1, value: { a: 'é' } },
    ]);
  });

  it('given a line that is not JSON, then it is a problem at its number and the lines after it are read', async () => {
    const lines = await read([bytes('{"a":1}\nnot json at all\n{"a":2}\n')]);
    expect(lines).toEqual([
      { position: 1, value: { a: 1 } },
      { position: 2, problem: expect.stringMatching(/^the line is not valid JSON \(.+\)$/) },
      { position: 3, value: { a: 2 } },
    ]);
  });

  it('given a truncated final line, then the problem says the log may be truncated', async () => {
    const lines = await read([bytes('{"a":1}\n{"type":"UsageRec')]);
    expect(lines[1]).toEqual({
      position: 2,
      problem: expect.stringMatching(/not valid JSON .*last line and has no newline.*may be truncated/),
    });
  });

  it('given a line that is JSON but not an object, then its value is handed over as it is (audit judges it)', async () => {
    expect(await read([bytes('42\n"text"\nnull\n[1]\n')])).toEqual([
      { position: 1, value: 42 },
      { position: 2, value: 'text' },
      { position: 3, value: null },
      { position: 4, value: [1] },
    ]);
  });

  it('given bytes that are not UTF-8, then that line is a problem and the others are read', async () => {
    const lines = await read([
      Buffer.concat([bytes('{"a":1}\n'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), bytes('{"a":2}\n')]),
    ]);
    expect(lines).toEqual([
      { position: 1, value: { a: 1 } },
      { position: 2, problem: 'the line is not valid UTF-8 text' },
      { position: 3, value: { a: 2 } },
    ]);
  });

  it('given a line of several megabytes over many chunks, then it is read whole', async () => {
    const big = 'x'.repeat(6 * 1024 * 1024);
    const text = bytes(`{"a":1}\n{"big":"${big}"}\n{"a":2}\n`);
    const chunks = Array.from({ length: Math.ceil(text.length / 65_536) }, (_, i) =>
      text.subarray(i * 65_536, (i + 1) * 65_536),
    );
    const lines = await read(chunks);
    expect(lines.map((l) => l.position)).toEqual([1, 2, 3]);
    expect((lines[1]?.value as { big: string }).big.length).toBe(big.length);
  });

  it('given a line longer than the limit, then it is a problem naming its length, skipped without being kept, and reading goes on', async () => {
    const text = bytes(`{"a":1}\n{"big":"${'x'.repeat(5000)}"}\n{"a":2}`);
    const chunks = Array.from({ length: Math.ceil(text.length / 100) }, (_, i) =>
      text.subarray(i * 100, (i + 1) * 100),
    );
    expect(await read(chunks, 1000)).toEqual([
      { position: 1, value: { a: 1 } },
      {
        position: 2,
        problem: 'the line is 5010 bytes long, more than the limit of 1000 bytes; it was skipped unread',
      },
      { position: 3, value: { a: 2 } },
    ]);
  });

  it('given one chunk of many lines with one longer than the text decoded at a time, then each line is read whole at its number', async () => {
    const long = { big: 'x'.repeat(200 * 1024) };
    const short = Array.from({ length: 3000 }, (_, i) => ({ i }));
    const text = [...short, long, ...short].map((v) => JSON.stringify(v)).join('\n');
    const lines = await read([bytes(text)]);
    expect(lines).toHaveLength(6001);
    expect(lines[3000]).toEqual({ position: 3001, value: long });
    expect(lines[6000]).toEqual({ position: 6001, value: { i: 2999 } });
  });

  it('given string chunks and an async source, then they read like bytes', async () => {
    async function* source() {
      yield '{"a":';
      yield '1}\n{"b":2}';
    }
    expect(await read(source())).toEqual([
      { position: 1, value: { a: 1 } },
      { position: 2, value: { b: 2 } },
    ]);
  });

  it('property: however the bytes are cut into chunks (inside a character, between CR and LF), the lines read are the same', async () => {
    const line = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.constantFrom('', '  ', 'not json', '{"truncated":', '{"é":"日本語 🎉"}'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 12 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (lines, newline, bom, cuts) => {
          const text = Buffer.concat([
            Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []),
            bytes(lines.join(newline)),
          ]);
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((start, i) => text.subarray(start, [...points, text.length][i]));
          expect(await read(chunks)).toEqual(await read([text]));
        },
      ),
      { numRuns: 300 },
    );
  });
});
