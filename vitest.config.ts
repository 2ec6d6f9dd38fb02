import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^apss-domain\/testing$/, replacement: source('./src/testing/index.ts') },
      { find: /^apss-domain\/postgres$/, replacement: source('./src/postgres/index.ts') },
      { find: /^apss-domain\/report$/, replacement: source('./src/report/index.ts') },
      { find: /^apss-domain$/, replacement: source('./src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
  },
});
