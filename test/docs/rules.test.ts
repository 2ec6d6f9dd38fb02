import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ruleTable } from 'apss-domain';
import { root } from './markdown.js';

// The README's rules table is written by scripts/rules-table.mjs from ruleTable; it is never edited by hand.

const run = promisify(execFile);
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'apss-docs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `node scripts/rules-table.mjs --check --file <file>`: its exit status and what it said. */
async function check(file: string): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, ['scripts/rules-table.mjs', '--check', '--file', file], { cwd: root });
    return { code: 0, stderr: '' };
  } catch (error) {
    const { code, stderr } = error as { code?: number; stderr?: string };
    return { code: code ?? -1, stderr: stderr ?? '' };
  }
}

/** The cells of the table rows between the markers, header and rule line left out. */
const rows = (text: string): string[][] =>
  (/<!-- rules:begin -->([\s\S]*?)<!-- rules:end -->/.exec(text)?.[1] ?? '')
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );

describe('the rules table of the README', () => {
  it('has one row per rule of ruleTable, in its order, with its id, description and codes', () => {
    expect(rows(readme).map(([id, description, codes]) => [id, description, codes])).toEqual(
      ruleTable.map((rule) => [rule.id, rule.description, rule.codes.map((c) => `\`${c}\``).join(', ')]),
    );
  });

  it('is exactly what npm run docs:rules writes', async () => {
    expect(await check('README.md')).toEqual({ code: 0, stderr: '' });
  });

  it('is refused when a row is edited by hand', async () => {
    const edited = join(scratch, 'README.md');
    writeFileSync(edited, readme.replace('| R11 ', '| R13 '));
    const { code, stderr } = await check(edited);
    expect(code).toBe(1);
    expect(stderr).toContain('the rules table is not the one ruleTable gives');
  });
});
