import { prefixView } from '../lib/prefixView.js';

/**
 * The lines of a view that only ever appends them (the reconciliation, the reserved instances): a
 * list that copies of the progress share, each seeing it up to its own `length`, and a view that is
 * a frozen view of that prefix (see prefixView), so a new view costs the same however many lines
 * came before. A progress whose list another has appended to since (the second of two that went on
 * from one) takes a list of its own, once.
 */
export type LineList<L> = {
  lines: L[];
  length: number;
  /** The view last read out, while no event has changed the progress since. */
  shown: readonly L[] | undefined;
};

export const noLines = <L>(): LineList<L> => ({ lines: [], length: 0, shown: undefined });

/** A list of saved lines, as loaded. */
export const linesFrom = <L>(lines: L[]): LineList<L> => ({ lines, length: lines.length, shown: undefined });

export function appendLine<L>(list: LineList<L>, line: L): void {
  list.shown = undefined;
  if (list.lines.length !== list.length) list.lines = list.lines.slice(0, list.length);
  list.length += 1;
  list.lines.push(line);
}

export const viewOfLines = <L>(list: LineList<L>): readonly L[] =>
  (list.shown ??= prefixView(list.lines, list.length));

/** The list as a copy of the progress holding it shares it. */
export const sharedLines = <L>({ lines, length, shown }: LineList<L>): LineList<L> => ({
  lines,
  length,
  shown,
});

/** The lines up to the list's length, as saved progress holds them. */
export const savedLines = <L>({ lines, length }: LineList<L>): L[] => lines.slice(0, length);
