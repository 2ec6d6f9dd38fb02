// Writes the rules table of README.md from `ruleTable`, between <!-- rules:begin --> and
// <!-- rules:end -->, so that the rules are written once, in src/policies/rules.ts.
// `--check` writes nothing and exits 1 when the README's table is not the one ruleTable gives.
// `--file <path>` works on another Markdown file. Run after `npm run build` (it reads the built package).
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import prettier from 'prettier';
import { ruleTable } from 'apss-domain';

const begin = '<!-- rules:begin -->';
const end = '<!-- rules:end -->';

const cell = (text) => text.replaceAll('|', '\\|');
const code = (text) => `\`${text}\``;

/** The Markdown table of the rules, one row per rule in the order that names a rejection. */
const table = () =>
  [
    '| id | rule | code |',
    '| --- | --- | --- |',
    ...ruleTable.map((rule) =>
      [rule.id, cell(rule.description), rule.codes.map(code).join(', ')].join(' | '),
    ),
  ]
    .map((row) => (row.startsWith('|') ? row : `| ${row} |`))
    .join('\n');

/** The text with the table between the markers, formatted as prettier formats the project. */
async function withTable(text, file) {
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from)
    throw new Error(`${file}: no ${begin} ... ${end} markers to write the rules between`);
  const replaced = `${text.slice(0, from + begin.length)}\n\n${table()}\n\n${text.slice(to)}`;
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(replaced, { ...options, filepath: file });
}

const { values } = parseArgs({
  options: { check: { type: 'boolean', default: false }, file: { type: 'string', default: 'README.md' } },
});
const text = await readFile(values.file, 'utf8');
const expected = await withTable(text, values.file);
if (values.check) {
  if (expected !== text) {
    console.error(`${values.file}: the rules table is not the one ruleTable gives; run npm run docs:rules`);
    process.exitCode = 1;
  }
} else if (expected !== text) {
  await writeFile(values.file, expected);
  console.log(`${values.file}: rules table written from ruleTable`);
}
