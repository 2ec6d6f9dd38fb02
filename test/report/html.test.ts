import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { audit, invoice, overview, project, decodeEvent, type DomainEvent } from 'apss-domain';
import { auditReportHtml } from 'apss-domain/report';
import { apss, apssBuilt, needsBuiltCli, scratch } from '../cli/run.js';
import { exampleLines, sealLines } from '../seal/sealedLog.js';
import { hostileLog, SCRIPT_PARTNER, STYLE_PARTNER } from './hostile.js';

const dir = scratch();
const run = promisify(execFile);
const exampleRecords = readFileSync('examples/apss-log.ndjson', 'utf8')
  .trimEnd()
  .split('\n')
  .map((line): unknown => JSON.parse(line));

const eventsOf = (records: readonly unknown[]): DomainEvent[] =>
  records.flatMap((record) => {
    const decoded = decodeEvent(record);
    return decoded._tag === 'Right' ? [decoded.right] : [];
  });

const viewsOf = (records: readonly unknown[]) => {
  const events = eventsOf(records);
  return { overview: project(overview, events), invoice: project(invoice, events) };
};

async function pageOf(records: readonly unknown[], extra: Record<string, unknown> = {}): Promise<string> {
  const made = await auditReportHtml({
    report: await audit(records),
    views: viewsOf(records),
    log: { name: 'the log' },
    madeAt: '2026-01-02T03:04:05Z',
    records,
    ...extra,
  });
  if (made._tag === 'Left') throw new Error(made.left);
  return made.right;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('auditReportHtml', () => {
  it('given the example, then the page states its counts, made at the instant given, under the default rules', async () => {
    const page = await pageOf(exampleRecords);
    expect(page).toMatch(/id="records" data-value="36"/);
    expect(page).toMatch(/id="events" data-value="35"/);
    expect(page).toMatch(/id="partners" data-value="4"/);
    expect(page).toMatch(/id="findings-count" data-value="5"/);
    expect(page).toContain('<time datetime="2026-01-02T03:04:05.000Z">');
    expect(page).toContain('id="rules">default');
  });

  it('given any page, then its CSP allows exactly its own inline script and style, by their hashes, and nothing else', async () => {
    const page = await pageOf(exampleRecords);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)?.[1] ?? '';
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? '';
    expect(csp.split('; ')).toEqual([
      "default-src 'none'",
      `script-src ${sha256(script)}`,
      `style-src ${sha256(style)}`,
      "img-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ]);
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page.match(/<style/g)).toHaveLength(1);
    expect(page).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)/);
  });

  it('given the invoice view, then each monthly total on the page is its exact decimal string', async () => {
    const page = await pageOf(exampleRecords);
    const months = [
      ...page.matchAll(
        /<tr><td>([^<]+)<\/td><td>(\d{4}-\d{2})<\/td><td>([A-Z]{3})<\/td><td class="number total">([^<]+)<\/td><\/tr>/g,
      ),
    ].map(([, partnerId, month, currency, total]) => ({ partnerId, month, currency, total }));
    expect(months).toEqual(
      viewsOf(exampleRecords).invoice.map(({ partnerId, month, currency, total }) => ({
        partnerId,
        month,
        currency,
        total,
      })),
    );
    expect(months.some(({ total }) => total === '142.848')).toBe(true);
  });

  it('given a hostile log, then no string of it is markup: the page holds it escaped, in the tables and in the SVG of the charts', async () => {
    const records = hostileLog()
      .trimEnd()
      .split('\n')
      .map((line): unknown => {
        try {
          return JSON.parse(line);
        } catch {
          return line;
        }
      });
    const page = await pageOf(records);
    expect(page).not.toContain(SCRIPT_PARTNER);
    expect(page).not.toContain(STYLE_PARTNER);
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&lt;/style&gt;&lt;b&gt;bold&lt;/b&gt;');
    const svgText = [...page.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map(([, text]) => text);
    expect(svgText.some((text) => text?.startsWith('&lt;script&gt;alert(1)'))).toBe(true);
  });

  it('given 100,000 findings, then the page lists the first 1,000, counts the rest, and names the file that holds them all', async () => {
    const records = Array.from({ length: 100_000 }, () => ({}));
    const page = await pageOf(records, {
      views: { overview: new Map(), invoice: [] },
      findingsFile: 'all.csv',
    });
    expect(page.match(/<tr data-code="MALFORMED_EVENT" data-partner=/g)).toHaveLength(1000);
    expect(page).toMatch(/id="findings-rest" data-value="99000"/);
    expect(page).toContain('<code id="findings-file">all.csv</code>');
    expect(page.length).toBeLessThan(1_500_000);
  });

  it('given input that is not a report, then a Left names the field and why, and nothing throws', async () => {
    expect(await auditReportHtml(undefined)).toEqual({
      _tag: 'Left',
      left: expect.stringMatching(/^invalid input: /),
    });
    const made = await auditReportHtml({
      report: {
        records: 1,
        events: 1,
        partners: 1,
        findings: [{ position: -1, code: 'NOPE', message: 'x' }],
      },
      views: viewsOf([]),
      log: { name: 'x' },
    });
    expect(made._tag).toBe('Left');
    expect(made._tag === 'Left' ? made.left : '').toMatch(
      /report\.findings\[0\]\.position.*report\.findings\[0\]\.code/,
    );
    const throwing = {
      report: await audit([]),
      views: viewsOf([]),
      log: { name: 'x' },
      records: {
        *[Symbol.iterator]() {
          yield {};
          throw new Error('the cursor broke');
        },
      },
    };
    expect(await auditReportHtml(throwing)).toEqual({
      _tag: 'Left',
      left: 'cannot make the report: the cursor broke',
    });
  });

  it('given a malformed record that JSON cannot write (a BigInt), then its finding is listed with the record previewed, and every other finding too', async () => {
    const records = [...exampleRecords, { type: 'UsageRecorded', data: { amount: 10n } }];
    const report = await audit(records);
    const page = await pageOf(records);
    expect(page.match(/<tr data-code="[A-Z_]+" data-partner=/g)).toHaveLength(report.findings.length);
    expect(page).toMatch(/amount(&quot;|&#34;|")?:10n/);
  });
});

describe('apss audit --html', () => {
  it('given a log with few findings, then only the page is written, and stderr says where', async () => {
    const html = join(dir.dir, 'few.html');
    const run = await apss(['audit', 'examples/apss-log.ndjson', '--html', html]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`apss audit: wrote the HTML report to ${html}\n`);
    expect(run.stdout).toContain('5 findings');
    expect(existsSync(join(dir.dir, 'few.findings.csv'))).toBe(false);
  });

  it('given more findings than the page lists, then every finding is written as CSV beside it, and the page names that file', async () => {
    const log = dir.file('many.ndjson', '{}\n'.repeat(1500) + 'not json\n');
    const html = join(dir.dir, 'many.html');
    const run = await apss(['audit', log, '--html', html, '--ndjson']);
    expect(run.code).toBe(1);
    const csv = readFileSync(join(dir.dir, 'many.findings.csv'), 'utf8').split('\r\n');
    expect(csv[0]).toBe('position,partner,event,code,why');
    expect(csv.slice(1, -1).map((line) => line.split(',')[0])).toEqual(
      Array.from({ length: 1501 }, (_, i) => String(i + 1)),
    );
    expect(csv.at(-2)).toMatch(/^1501,,,MALFORMED_EVENT,"the line is not valid JSON/);
    expect(readFileSync(html, 'utf8')).toContain('<code id="findings-file">many.findings.csv</code>');
    expect(run.stderr).toBe(
      `apss audit: wrote the HTML report to ${html}, and every finding to ${join(dir.dir, 'many.findings.csv')}\n`,
    );
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1502);
  });

  it('given stdin, or no file name, then it refuses before reading anything', async () => {
    expect(await apss(['audit', '-', '--html', 'x.html'], { stdin: '{}\n' })).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'apss audit: --html needs a log file or --postgres: stdin can be read only once (see apss audit --help)\n',
    });
    expect((await apss(['audit', 'examples/apss-log.ndjson', '--html'])).stderr).toBe(
      'apss audit: --html needs a value (see apss audit --help)\n',
    );
  });

  it('given a page that cannot be written, then exit 2 and why, after the audit printed its report', async () => {
    const run = await apss([
      'audit',
      'examples/apss-log.ndjson',
      '--html',
      join(dir.dir, 'no', 'such', 'dir.html'),
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('5 findings');
    expect(run.stderr).toMatch(/^apss audit: cannot write .*dir\.html: /);
  });
});

describe('apss audit --html where code generation from strings is forbidden', () => {
  it('given node --disallow-code-generation-from-strings, then the page is made, the same as elsewhere', async () => {
    const cli = join('dist', 'cli', 'main.js');
    const made = async (name: string, flags: readonly string[]) => {
      const html = join(dir.dir, name);
      await run(process.execPath, [
        ...flags,
        cli,
        'audit',
        'examples/apss-log.ndjson',
        '--exit-zero',
        '--html',
        html,
      ]);
      return readFileSync(html, 'utf8').replace(/<time[^<]*<\/time>/, '');
    };
    const strict = await made('strict.html', ['--disallow-code-generation-from-strings']);
    expect(strict).toContain('class="mark-rect role-mark');
    expect(strict).toBe(await made('usual.html', []));
  });
});

describe('apss audit --verify --html', () => {
  needsBuiltCli();

  it("given a sealed log whose record was altered where no rule breaks, then in 1 or 2 threads the chain's finding is listed with that record's instant and text", async () => {
    const lines = sealLines(exampleLines());
    const altered = JSON.parse(lines[9] as string) as { metadata: { at: string; actor: { id: string } } };
    altered.metadata.actor.id = 'someone-else@example.com';
    const log = dir.file(
      'altered.ndjson',
      [...lines.slice(0, 9), JSON.stringify(altered), ...lines.slice(10)].join('\n'),
    );
    for (const jobs of ['1', '2']) {
      const html = join(dir.dir, `altered-${jobs}.html`);
      const made = await apssBuilt(['audit', log, '--verify', '--html', html, '--jobs', jobs]);
      expect(made.stderr).toContain('broken in 1 place');
      const row =
        /<tr data-code="CHAIN_BROKEN" data-partner=[^]*?<\/tr>/.exec(readFileSync(html, 'utf8'))?.[0] ?? '';
      expect(row).toContain('data-value="10"');
      expect(row).toContain(`<td>${altered.metadata.at}</td>`);
      expect(row).toContain('someone-else@example.com');
    }
  });
});
