import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type SealedRecord } from '../../src/seal/link.js';
import { expectOneChain } from '../store/sealedContract.js';
import { apss, ndjson, scratch } from './run.js';

const example = 'examples/apss-log.ndjson';
const files = scratch();

const records = (text: string): SealedRecord[] =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as SealedRecord);

describe('apss seal', () => {
  it('given the example, then every record is sealed in order, in its partner stream, one chain from the first line', async () => {
    const run = await apss(['seal', example]);
    expect(run.code).toBe(0);
    const sealed = records(run.stdout);
    const original = records(readFileSync(example, 'utf8'));
    expect(sealed).toHaveLength(36);
    expectOneChain(sealed);
    expect(sealed.map(({ type, data, metadata }) => ({ type, data, metadata }))).toEqual(original);
    expect(sealed.map((r) => r.globalPosition)).toEqual(original.map((_, i) => String(i + 1)));
    const contoso = sealed.filter((r) => r.streamId === 'partner-contoso');
    expect(contoso.map((r) => r.streamPosition)).toEqual(contoso.map((_, i) => i + 1));
    expect(run.stderr).toBe(
      `apss seal: sealed 36 records of ${example}; the last hash is ${sealed.at(-1)?.hash ?? ''}\n`,
    );
  });

  it('given the sealed example, then apss audit finds exactly what it finds in the plain example (the chain fields are ignored)', async () => {
    const sealed = files.file('sealed.ndjson', (await apss(['seal', example])).stdout);
    const plain = await apss(['audit', example, '--json']);
    const audited = await apss(['audit', sealed, '--json']);
    expect(audited.code).toBe(plain.code);
    expect(JSON.parse(audited.stdout)).toEqual(JSON.parse(plain.stdout));
  });

  it('given the same log twice, then the same bytes: sealing is deterministic', async () => {
    const text = readFileSync(example, 'utf8');
    expect((await apss(['seal', '-'], { stdin: text })).stdout).toBe((await apss(['seal', example])).stdout);
  });

  it('given blank lines, then they are left out and lines keep their numbers in messages', async () => {
    const [first, second] = readFileSync(example, 'utf8').split('\n');
    const run = await apss(['seal', '-'], { stdin: `${first}\n\n${second}\n\n{"type":"X"}\n` });
    expect(run.code).toBe(2);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(run.stderr).toBe(
      'apss seal: line 5 of stdin is not an event to seal: data is required; metadata is required\n',
    );
  });

  it.each([
    ['not JSON', '{"type":', /line 1 of stdin is not an event to seal: the line is not valid JSON/],
    ['not an object', '[1,2]', /line 1 of stdin is not an event to seal: the line must be an object/],
    ['without a partner', '{"type":"T","data":{},"metadata":{}}', /data must be an object with a partnerId/],
    [
      'with fields beside the event (a sealed line)',
      '{"type":"T","data":{"partnerId":"p"},"metadata":{},"hash":"00"}',
      /line 1 of stdin is not an event to seal: hash is not a known field/,
    ],
    ['with a lone surrogate', '{"type":"\\ud800","data":{"partnerId":"p"},"metadata":{}}', /canonical JSON/],
  ])('given a line %s, then it stops with status 2 naming the line', async (_, line, message) => {
    const run = await apss(['seal', '-'], { stdin: `${line}\n` });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('given a malformed event that names its partner, then it is sealed as written, for the audit to report', async () => {
    const line = { type: 'UsageRecorded', data: { partnerId: 'p', quantity: -1 }, metadata: {} };
    const run = await apss(['seal', '-'], { stdin: ndjson([line]) });
    expect(run.code).toBe(0);
    expect(records(run.stdout)[0]).toMatchObject({ ...line, streamId: 'partner-p', streamPosition: 1 });
  });

  it('given no file or a missing one, then status 2 and why', async () => {
    expect(await apss(['seal'])).toMatchObject({
      code: 2,
      stderr: 'apss seal: missing the log file to seal (a path, or - for stdin) (see apss seal --help)\n',
    });
    expect(await apss(['seal', 'no-such.ndjson'])).toMatchObject({
      code: 2,
      stderr: 'apss seal: cannot read no-such.ndjson: no such file\n',
    });
  });
});
