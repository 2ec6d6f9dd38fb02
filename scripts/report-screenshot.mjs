// Writes docs/report.png, the README's picture of the HTML report: the bundled example's report, as
// `npm start` writes it, opened in Debian's chromium (headless, offline) and shot from its top.
//   npm run docs:screenshot
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './_chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(join(tmpdir(), 'apss-screenshot-'));
const html = join(scratch, 'apss-report.html');
try {
  execFileSync(
    process.execPath,
    [join(root, 'dist/cli/main.js'), 'audit', 'examples/apss-log.ndjson', '--exit-zero', '--html', html],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const browser = await launchChromium({ viewport: { width: 1100, height: 1500 } });
  const page = await browser.context.newPage();
  await page.goto(`file://${html}`, { waitUntil: 'load' });
  // A fixed instant, so that the picture changes only when the page does.
  await page.$eval('#made-at time', (time) => (time.textContent = '2026-01-01T00:00:00.000Z'));
  await page.screenshot({ path: join(root, 'docs', 'report.png') });
  await browser.close();
  console.log('docs:screenshot: wrote docs/report.png');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
