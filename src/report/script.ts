/**
 * The page's only script: it sorts a table by the column whose heading is clicked, and filters the
 * findings by code and partner. It reads the rows already on the page; it loads nothing.
 */
export const PAGE_SCRIPT = `(() => {
  'use strict';
  for (const table of document.querySelectorAll('table.sortable')) {
    const body = table.tBodies[0];
    const headings = [...table.tHead.rows[0].cells];
    headings.forEach((heading, column) => {
      const button = heading.querySelector('button');
      if (!button) return;
      button.addEventListener('click', () => {
        const up = heading.getAttribute('aria-sort') !== 'ascending';
        for (const other of headings) other.removeAttribute('aria-sort');
        heading.setAttribute('aria-sort', up ? 'ascending' : 'descending');
        const numeric = heading.dataset.type === 'number';
        const key = (row) => {
          const cell = row.cells[column];
          return numeric ? Number(cell.dataset.value) : cell.textContent;
        };
        const rows = [...body.rows].sort((a, b) => {
          const x = key(a);
          const y = key(b);
          return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
        });
        body.append(...rows);
      });
    });
  }
  const findings = document.getElementById('findings');
  if (!findings) return;
  const code = document.getElementById('filter-code');
  const partner = document.getElementById('filter-partner');
  const shown = document.getElementById('findings-shown');
  const filter = () => {
    let count = 0;
    for (const row of findings.tBodies[0].rows) {
      const keep =
        (code.value === '' || row.dataset.code === code.value) &&
        (partner.value === '' || row.dataset.partner === partner.value);
      row.hidden = !keep;
      if (keep) count += 1;
    }
    shown.textContent = count.toLocaleString('en-US');
    shown.dataset.value = String(count);
  };
  code.addEventListener('change', filter);
  partner.addEventListener('change', filter);
})();
`;

export const PAGE_STYLE = `
:root { color-scheme: light; font: 14px/1.45 system-ui, sans-serif; color: #1d1d1f; }
body { margin: 2rem auto; max-width: 72rem; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.2rem; margin: 2.2rem 0 0.6rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 0.3rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1.2rem; margin: 0; }
dl.facts dt { color: #555; }
dl.facts dd { margin: 0; }
.verdict { font-weight: 600; padding: 0.1rem 0.5rem; border-radius: 0.3rem; }
.verdict.breached { background: #f6dcd8; color: #7b1f14; }
.verdict.clean { background: #dcefdc; color: #1f5b1f; }
.pair { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
figure { margin: 0.5rem 0; }
figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; max-width: 100%; margin: 0.5rem 0; font-size: 0.92rem; }
th, td { text-align: left; padding: 0.25rem 0.6rem; border-bottom: 1px solid #e4e4e4; vertical-align: top; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
th button { font: inherit; font-weight: 600; border: 0; background: none; padding: 0; cursor: pointer; }
th[aria-sort='ascending'] button::after { content: ' \\25B2'; }
th[aria-sort='descending'] button::after { content: ' \\25BC'; }
td.why { max-width: 28rem; }
td.record { min-width: 22rem; max-width: 30rem; font: 0.8rem/1.3 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; color: #444; }
.note { color: #555; }
.controls { display: flex; gap: 1rem; margin: 0.5rem 0; }
.only-default { background: #fff7e0; }
/* Laid out only when scrolled to: a page of a thousand findings opens as fast as a short one. */
section.deferred { content-visibility: auto; contain-intrinsic-size: auto 1200px; }
@media print {
  :root { font-size: 11px; }
  body { margin: 0; max-width: none; }
  .controls, th button::after { display: none; }
  h2 { break-after: avoid; }
  figure, tr { break-inside: avoid; }
}
`;
