// Debian's chromium as the browser tests, bench/html and docs:screenshot open it: headless, offline,
// quiet, in a fresh profile of its own. Not a script: the tests, a bench and a script import it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** Debian's chromium, which `.ci/run` installs. */
export const CHROMIUM = process.env.APSS_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, offline and quiet: no GPU, no QUIC, no first run, no background fetches of its own. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches chromium in a fresh profile of its own, removed when it closes. */
export async function launchChromium({ viewport } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'apss-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    offline: true,
    ...(viewport === undefined ? {} : { viewport }),
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
