import stringWidth from 'string-width';
import type { Table } from './table.js';

const GAP = '  ';

/** The columns a text takes on a terminal: a wide character (株) takes two, a combining mark none. */
export const displayWidth = (text: string): number => stringWidth(text);

/** A cell padded with spaces to a display width, on the right (`left`) or on the left (`right`). */
export const padCell = (cell: string, width: number, align: 'left' | 'right'): string => {
  const padding = ' '.repeat(Math.max(0, width - displayWidth(cell)));
  return align === 'left' ? cell + padding : padding + cell;
};

/** A table for people: columns aligned, amounts to the right, an empty cell as `-`, then the summary. */
export function* textLines(table: Table): Iterable<string> {
  const widths = table.columns.map(displayWidth);
  let rows = 0;
  for (const row of table.rows()) {
    rows += 1;
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(displayWidth(cell), 1));
    });
  }
  const line = (cells: readonly string[]): string =>
    `${cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const shown = cell === '' ? '-' : cell;
        return padCell(shown, width, table.amounts.has(i) ? 'right' : 'left');
      })
      .join(GAP)
      .trimEnd()}\n`;
  if (rows > 0) {
    yield line(table.columns);
    for (const row of table.rows()) yield line(row);
    yield '\n';
  }
  yield `${table.summary}\n`;
}
