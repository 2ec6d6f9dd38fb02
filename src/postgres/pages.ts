/**
 * Rows read page by page with keyset pagination: each page starts after the key of the previous
 * one's last row. The next page is fetched while the current one is consumed, so memory holds at
 * most two pages, whatever the length of what is read.
 */
export async function* pages<Row, Key>(
  fetch: (after: Key) => Promise<readonly Row[]>,
  keyOf: (row: Row) => Key,
  start: Key,
  pageSize: number,
): AsyncGenerator<readonly Row[]> {
  let next = fetch(start);
  for (;;) {
    const rows = await next;
    const last = rows[rows.length - 1];
    if (rows.length < pageSize || last === undefined) {
      if (rows.length > 0) yield rows;
      return;
    }
    next = fetch(keyOf(last));
    // A consumer that stops early never awaits this page; its failure must not go unhandled.
    next.catch(() => undefined);
    yield rows;
  }
}
