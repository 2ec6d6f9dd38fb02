import type { LinkEntry } from '../seal/verify.js';

/**
 * A shard's link entries, packed into one string for the trip to the merge: a thread copies a string
 * in one go, where it would serialise an object's fields one by one (for every record of the log).
 * One entry a line: `L<position> <global position> <prev><hash>[<actual>]` (hashes are 64 characters),
 * `P<position>`, `U<position>`, or `A<position> <problem as JSON>`.
 */
export function packLinks(entries: readonly LinkEntry[]): string {
  return entries
    .map((entry) => {
      switch (entry.kind) {
        case 'link':
          return `L${entry.position} ${entry.globalPosition} ${entry.prev}${entry.hash}${entry.actual ?? ''}`;
        case 'plain':
          return `P${entry.position}`;
        case 'unreadable':
          return `U${entry.position}`;
        case 'altered':
          return `A${entry.position} ${JSON.stringify(entry.problem)}`;
      }
    })
    .join('\n');
}

const HASH = 64;

/** The entries packLinks packed, in their order. */
export function unpackLinks(packed: string): LinkEntry[] {
  if (packed.length === 0) return [];
  return packed.split('\n').map((text): LinkEntry => {
    const kind = text[0];
    const space = text.indexOf(' ');
    const position = Number(text.slice(1, space === -1 ? text.length : space));
    if (kind === 'P') return { kind: 'plain', position };
    if (kind === 'U') return { kind: 'unreadable', position };
    if (kind === 'A')
      return { kind: 'altered', position, problem: JSON.parse(text.slice(space + 1)) as string };
    const hashes = text.indexOf(' ', space + 1) + 1;
    const link = {
      kind: 'link',
      position,
      globalPosition: text.slice(space + 1, hashes - 1),
      prev: text.slice(hashes, hashes + HASH),
      hash: text.slice(hashes + HASH, hashes + 2 * HASH),
    } as const;
    return text.length > hashes + 2 * HASH ? { ...link, actual: text.slice(hashes + 2 * HASH) } : link;
  });
}
