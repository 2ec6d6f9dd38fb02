import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { root } from '../docs/markdown.js';

/** A folder of src/ and the folders of src/ it imports from. */
type Layers = ReadonlyMap<string, ReadonlySet<string>>;

const src = path.join(root, 'src');

const sourceFiles = (dir: string): readonly string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });

/** The folder of src/ a file is in (`cli` for src/cli/commands/audit.ts); null for src/index.ts. */
const folderOf = (file: string): string | null => {
  const [first, ...rest] = path.relative(src, file).split(path.sep);
  return rest.length === 0 ? null : (first ?? null);
};

/** Which folders each folder of src/ imports from, static and dynamic imports and re-exports alike. */
function importGraph(): Layers {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(src)) {
    const from = folderOf(file);
    if (from === null) continue;
    const arrows = graph.get(from) ?? new Set<string>();
    graph.set(from, arrows);
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = folderOf(path.resolve(path.dirname(file), fileName));
      if (to !== null && to !== from) arrows.add(to);
    }
  }
  return graph;
}

/** The table of docs/architecture.md: each `src/<folder>/` row and the folders its last column names. */
function documentedLayers(): Layers {
  const text = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
  const layers = new Map<string, ReadonlySet<string>>();
  for (const line of text.split('\n')) {
    const row = /^\|\s*`src\/([a-z]+)\/`\s*\|.*\|([^|]*)\|\s*$/.exec(line);
    if (row === null) continue;
    const [, folder = '', imports = ''] = row;
    layers.set(folder, new Set([...imports.matchAll(/`([a-z]+)`/g)].map((name) => name[1] ?? '')));
  }
  return layers;
}

/** An import path that leads from a folder back to itself, or null when the arrows all run one way. */
export function cycleIn(graph: Layers): readonly string[] | null {
  const done = new Set<string>();
  const visit = (folder: string, trail: readonly string[]): readonly string[] | null => {
    const seen = trail.indexOf(folder);
    if (seen >= 0) return [...trail.slice(seen), folder];
    if (done.has(folder)) return null;
    for (const next of graph.get(folder) ?? []) {
      const cycle = visit(next, [...trail, folder]);
      if (cycle !== null) return cycle;
    }
    done.add(folder);
    return null;
  };
  for (const folder of graph.keys()) {
    const cycle = visit(folder, []);
    if (cycle !== null) return cycle;
  }
  return null;
}

const sorted = (graph: Layers): Record<string, readonly string[]> =>
  Object.fromEntries([...graph].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]));

describe('the layers of src/ (docs/architecture.md)', () => {
  it('cycleIn finds an arrow that runs back, and none where all run one way', () => {
    const oneWay: Layers = new Map([
      ['events', new Set(['lib'])],
      ['state', new Set(['events', 'lib'])],
    ]);
    expect(cycleIn(oneWay)).toBeNull();
    const back: Layers = new Map([...oneWay, ['lib', new Set(['state'])]]);
    expect(cycleIn(back)).toEqual(['events', 'lib', 'state', 'events']);
  });

  it('given the imports of src/, when drawn between folders, then every arrow runs one way', () => {
    expect(cycleIn(importGraph())).toBeNull();
  });

  it('given the table of docs/architecture.md, then it draws exactly the arrows the code has', () => {
    expect(sorted(importGraph())).toEqual(sorted(documentedLayers()));
  });
});
