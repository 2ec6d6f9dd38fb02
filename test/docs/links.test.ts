import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docFiles, fencedBlocks, root } from './markdown.js';

// Relative links between README.md and docs/ lead somewhere, and the benchmarks the performance page
// names exist.

const textOf = (file: string) => readFileSync(join(root, file), 'utf8');

/** The text of a page outside its code blocks, where links are links. */
function prose(file: string): string {
  const lines = textOf(file).split('\n');
  for (const block of fencedBlocks(file, textOf(file)))
    for (let i = block.line - 1; i <= block.line + block.code.split('\n').length; i++) lines[i] = '';
  return lines.join('\n');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

const anchors = (file: string): ReadonlySet<string> =>
  new Set(
    prose(file)
      .split('\n')
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => anchorOf(line.replace(/^#+ /, ''))),
  );

const links = docFiles().flatMap((file) =>
  [...prose(file).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z]+:/.test(target))
    .map((target) => ({ file, target })),
);

describe('the links of the docs', () => {
  it('are there', () => {
    expect(links.length).toBeGreaterThan(10);
  });

  it.each(links.map((link) => [`${link.file} -> ${link.target}`, link] as const))(
    '%s leads somewhere',
    (_, link) => {
      const [path = '', anchor] = link.target.split('#');
      const target = path === '' ? link.file : normalize(join(dirname(link.file), path));
      expect(existsSync(join(root, target)), `${target} exists`).toBe(true);
      if (anchor !== undefined) expect([...anchors(target)]).toContain(anchor);
    },
  );
});

describe('the performance page', () => {
  const benchmarks = readdirSync(join(root, 'bench'))
    .filter((name) => name.endsWith('.mjs') && name !== 'run.mjs' && !name.startsWith('_'))
    .map((name) => name.slice(0, -'.mjs'.length));
  const named = [...textOf('docs/performance.md').matchAll(/npm run bench -- (\w+)/g)].map((m) => m[1]);

  it('names every benchmark, and only benchmarks that exist', () => {
    expect(new Set(named)).toEqual(new Set(benchmarks));
  });
});
