import type { BrowserContext } from 'playwright-core';

export declare const CHROMIUM: string;

export declare function launchChromium(options?: {
  readonly viewport?: { readonly width: number; readonly height: number };
}): Promise<{ readonly context: BrowserContext; readonly close: () => Promise<void> }>;
