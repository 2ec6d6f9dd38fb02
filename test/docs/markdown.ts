import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The project's root, where README.md and docs/ are. */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** README.md and every page of docs/, as paths relative to the root. */
export const docFiles = (): readonly string[] => [
  'README.md',
  ...readdirSync(`${root}docs`)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/** A fenced code block: its language, the words after it (`ts no-run`), and its text. */
export type Block = {
  readonly file: string;
  /** The 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly flags: ReadonlySet<string>;
  readonly code: string;
};

const fence = /^( *)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/;

/** Every fenced block of a Markdown text, list-item indentation removed, in order. */
export function fencedBlocks(file: string, text: string): readonly Block[] {
  const lines = text.split(/\r?\n/);
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = fence.exec(lines[i] ?? '');
    if (open === null) continue;
    const [, indent = '', marks = '', lang = '', rest = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      const close = fence.exec(line);
      if (
        close !== null &&
        close[2]?.[0] === marks[0] &&
        (close[2]?.length ?? 0) >= marks.length &&
        !close[3]
      )
        break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    blocks.push({
      file,
      line: i + 1,
      lang,
      flags: new Set(rest.trim().split(/\s+/).filter(Boolean)),
      code: body.join('\n'),
    });
    i = j;
  }
  return blocks;
}

/** The fenced blocks of README.md and docs/*.md. */
export const documentedBlocks = (): readonly Block[] =>
  docFiles().flatMap((file) => fencedBlocks(file, readFileSync(`${root}${file}`, 'utf8')));
