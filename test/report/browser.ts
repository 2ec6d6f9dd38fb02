import { existsSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../../scripts/_chromium.mjs';
import { afterAll, beforeAll, describe, it } from 'vitest';

/** CI sets APSS_REQUIRE_BROWSER=1: there a missing browser fails the tests instead of skipping them. */
export const browserRequired = process.env.APSS_REQUIRE_BROWSER === '1';

/** What a page said while it was open: console errors and warnings, uncaught errors, requests it made. */
export type Watched = {
  readonly problems: string[];
  readonly requests: string[];
  readonly dialogs: string[];
};

/** Opens a file in a new page, watching the console, uncaught errors, dialogs and requests. */
export async function openWatched(
  context: BrowserContext,
  file: string,
): Promise<{ page: Page; watched: Watched }> {
  const page = await context.newPage();
  const watched: Watched = { problems: [], requests: [], dialogs: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') watched.problems.push(message.text());
  });
  page.on('pageerror', (error) => watched.problems.push(error.message));
  page.on('dialog', (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) watched.requests.push(request.url());
  });
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return { page, watched };
}

/**
 * Declares `suites` with a browser when Debian's chromium is there. Otherwise, under
 * APSS_REQUIRE_BROWSER=1 (CI), one failing test says why; elsewhere one line says the `what` tests
 * are skipped.
 */
export function whenBrowser(what: string, suites: (browser: () => BrowserContext) => void): void {
  if (existsSync(CHROMIUM)) {
    let launched: Awaited<ReturnType<typeof launchChromium>> | undefined;
    beforeAll(async () => {
      launched = await launchChromium({ viewport: { width: 1200, height: 900 } });
    }, 60_000);
    afterAll(async () => {
      await launched?.close();
    });
    suites(() => {
      if (launched === undefined) throw new Error('chromium did not start');
      return launched.context;
    });
  } else if (browserRequired)
    describe('chromium', () => {
      it(`is installed for the ${what}, as APSS_REQUIRE_BROWSER=1 demands`, () => {
        throw new Error(
          `chromium is required (APSS_REQUIRE_BROWSER=1) but ${CHROMIUM} is missing: apt-get install -y chromium`,
        );
      });
    });
  else {
    console.log(`browser: skipping the ${what}, no ${CHROMIUM} (apt-get install -y chromium to run them)`);
    describe.skip(`${what} (no chromium)`, () => {
      it('needs chromium', () => undefined);
    });
  }
}
