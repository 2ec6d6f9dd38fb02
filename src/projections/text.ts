import type { Table } from './table.js';

const GAP = '  ';

/** A table for people: columns aligned, amounts to the right, an empty cell as `-`, then the summary. */
export function* textLines(table: Table): Iterable<string> {
  const widths = table.columns.map((column) => column.length);
  let rows = 0;
  for (const row of table.rows()) {
    rows += 1;
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(cell.length, 1));
    });
  }
  const line = (cells: readonly string[]): string =>
    `${cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const shown = cell === '' ? '-' : cell;
        return table.amounts.has(i) ? shown.padStart(width) : shown.padEnd(width);
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
