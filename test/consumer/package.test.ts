// The consumer suite: the package is packed as `npm publish` would, and installed from the tarball into
// throwaway projects in a temp dir, each with the dependencies a user of one kind has. It needs the
// npm registry: without it the suite skips with one line, and fails instead under
// APSS_REQUIRE_REGISTRY=1 (as .ci/run sets). Installs share the user's npm cache and prefer it.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresRequired, unreachableReason, where } from '../postgres/support.js';
import { ok, run } from './run.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);
const npm = 'npm';
const registryRequired = process.env.APSS_REQUIRE_REGISTRY === '1';

/** Why the npm registry cannot be used here, or undefined when it can. */
async function registryProblem(): Promise<string | undefined> {
  const ping = await run(npm, ['ping', '--loglevel=error'], { cwd: root, timeout: 30_000 });
  return ping.code === 0
    ? undefined
    : (ping.stderr.trim().split('\n').at(-1) ?? `npm ping exited ${ping.code}`);
}

/** What each throwaway project installs beside the tarball: a user of the core entry only, and TypeScript users at both ends of the supported ranges. */
const consumers = {
  core: ['fp-ts@2.16.11', 'io-ts@2.2.22'],
  newest: [
    'fp-ts@2.16.11',
    'io-ts@2.2.22',
    'fast-check@4.10.2',
    'pg@8.23.1',
    '@types/pg@8.23.1',
    '@event-driven-io/emmett@0.42.0',
    'typescript@5.9.3',
    '@types/node@20.19.43',
    'vega@6.4.0',
    'vega-interpreter@2.3.2',
  ],
  oldest: [
    'fp-ts@2.16.0',
    'io-ts@2.2.20',
    'fast-check@3.23.2',
    'pg@8.15.0',
    '@types/pg@~8.15.0',
    '@event-driven-io/emmett@0.42.0',
    'typescript@5.9.3',
    '@types/node@20.19.43',
    'vega@6.4.0',
    'vega-interpreter@2.3.2',
  ],
} as const;
type ConsumerName = keyof typeof consumers;

const nodenextStrict = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    strict: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: false,
    types: ['node'],
    outDir: 'build',
  },
  files: ['consumer.ts'],
};

/**
 * esbuild's bundle of a program into bundle/, with a `require` of its own for the CommonJS requires of
 * what it bundles (pg's `events`, `net`, ...): an ESM bundle has none. Named apart from the
 * `createRequire` of what it bundles.
 */
const esbuildRecipe = (program: string): string[] => [
  program,
  '--bundle',
  '--platform=node',
  '--format=esm',
  `--outfile=bundle/${program}`,
  "--banner:js=import { createRequire as createRequireOfBundle } from 'node:module'; const require = createRequireOfBundle(import.meta.url);",
  '--log-level=warning',
];

function packageSuite(): void {
  let temp = '';
  let tarball = '';
  let unpacked = '';
  const dir = (name: ConsumerName): string => join(temp, name);

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), 'apss-consumers-'));
    // dist/ is built already (`npm test` builds first): packing must not rebuild it under running tests.
    const packed = JSON.parse(
      await ok(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', temp], { cwd: root }),
    ) as { filename: string }[];
    tarball = join(temp, packed[0]?.filename ?? '');
    unpacked = join(temp, 'unpacked');
    mkdirSync(unpacked);
    await ok('tar', ['-xzf', tarball, '-C', unpacked], { cwd: temp });
    unpacked = join(unpacked, 'package');
    await Promise.all(
      (Object.keys(consumers) as ConsumerName[]).map(async (name) => {
        mkdirSync(dir(name));
        writeFileSync(
          join(dir(name), 'package.json'),
          JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }),
        );
        for (const file of ['consumer.ts', 'legacy.cts', 'require.cjs', 'service.mjs', 'report.mjs'])
          copyFileSync(join(fixtures, file), join(dir(name), file));
        writeFileSync(join(dir(name), 'tsconfig.json'), JSON.stringify(nodenextStrict));
        await ok(
          npm,
          [
            'install',
            '--no-audit',
            '--no-fund',
            '--prefer-offline',
            '--loglevel=error',
            tarball,
            ...consumers[name],
          ],
          { cwd: dir(name) },
        );
      }),
    );
  }, 600_000);
  afterAll(() => {
    if (temp !== '') rmSync(temp, { recursive: true, force: true });
  }, 120_000);

  describe('the packed package', () => {
    it('carries its LICENSE and no source map pointing at unshipped sources (#11.8)', () => {
      expect(readFileSync(join(unpacked, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
      const files = readdirSync(unpacked, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => relative(unpacked, join(entry.parentPath, entry.name)));
      expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
      expect(
        files.filter((file) =>
          /sourceMappingURL/.test(readFileSync(join(unpacked, file), 'latin1').slice(-300)),
        ).length,
      ).toBe(0);
    });

    it('ships every file its README and docs link to, and the docs `apss --help` names', async () => {
      const pages = [
        'README.md',
        ...readdirSync(join(unpacked, 'docs'))
          .filter((f) => f.endsWith('.md'))
          .map((f) => `docs/${f}`),
      ];
      const missing = pages.flatMap((page) =>
        [...readFileSync(join(unpacked, page), 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
          .map((link) => link[1] as string)
          .filter((target) => !/^[a-z]+:/.test(target))
          .filter((target) => !existsSync(join(unpacked, dirname(page), target)))
          .map((target) => `${page} -> ${target}`),
      );
      expect(missing).toEqual([]);
      expect(pages.length).toBeGreaterThan(10);
      const help = await ok(join(dir('core'), 'node_modules', '.bin', 'apss'), ['--help'], {
        cwd: dir('core'),
      });
      for (const named of help.match(/docs\/[\w-]+\.md/g) ?? [])
        expect(existsSync(join(unpacked, named)), named).toBe(true);
    });

    it('declares ranges, never exact versions, for what users install (#11.2)', () => {
      const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as Manifest;
      const ranges = { ...manifest.dependencies, ...manifest.peerDependencies };
      expect(Object.entries(ranges).filter(([, range]) => /^\d/.test(range))).toEqual([]);
    });

    it('declares every package its public types import as a peer, with the package that types it (#11.3, #11.4)', () => {
      const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as Manifest;
      const imported = publicTypeImports(unpacked, manifest);
      const needed = [...imported].flatMap((name) =>
        hasOwnTypes(name) ? [name] : [name, typesPackageOf(name)],
      );
      expect(needed.filter((name) => manifest.peerDependencies?.[name] === undefined)).toEqual([]);
      expect(needed).toContain('fp-ts');
    });

    it('passes publint --strict', async () => {
      const linted = await run(bin('publint'), ['run', tarball, '--strict'], { cwd: temp });
      expect(linted.code, linted.stdout + linted.stderr).toBe(0);
    });

    it("passes @arethetypeswrong/cli's esm-only profile (an ESM package; CommonJS requires it at run time)", async () => {
      const checked = await run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii'], {
        cwd: temp,
      });
      expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    });
  });

  describe('a user of the core entry only', () => {
    it('gets neither fast-check, pg, @types/pg, Emmett nor immer installed (#11.3, #11.5, #12)', () => {
      const installed = ['fast-check', 'pg', '@types/pg', '@event-driven-io/emmett', 'immer'].filter((name) =>
        existsSync(join(dir('core'), 'node_modules', name)),
      );
      expect(installed).toEqual([]);
    });

    it('can require() it from CommonJS (#11.7)', async () => {
      const out = await ok(process.execPath, ['-e', "console.log(typeof require('apss-domain').decide)"], {
        cwd: dir('core'),
      });
      expect(out.trim()).toBe('function');
    });

    it('brings only packages whose engines admit the Node.js that its own engines admit and this test runs on (no EBADENGINE; engine-strict installs it)', async () => {
      const modules = join(dir('core'), 'node_modules');
      const packages = readdirSync(modules)
        .filter((name) => !name.startsWith('.'))
        .flatMap((name) =>
          name.startsWith('@') ? readdirSync(join(modules, name)).map((sub) => `${name}/${sub}`) : [name],
        );
      const refused: string[] = [];
      for (const name of packages) {
        const { engines } = JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')) as Manifest;
        if (engines?.node === undefined) continue;
        const admitted = await run(bin('semver'), ['-r', engines.node, process.versions.node], { cwd: temp });
        if (admitted.code !== 0) refused.push(`${name} (node ${engines.node})`);
      }
      expect(packages).toContain('apss-domain');
      expect(refused).toEqual([]);
    });

    it('is told which packages to install for `apss audit --html`, without Vega, before any line is audited (#14)', async () => {
      const page = join(dir('core'), 'report.html');
      const made = await run(
        join(dir('core'), 'node_modules', '.bin', 'apss'),
        ['audit', join(root, 'examples', 'apss-log.ndjson'), '--html', page],
        { cwd: dir('core') },
      );
      expect(made.code).toBe(2);
      expect(made.stdout).toBe('');
      expect(made.stderr).toContain('npm install vega vega-interpreter');
      expect(existsSync(page)).toBe(false);
    });
  });

  describe.each(['newest', 'oldest'] as const)('a TypeScript user with the %s supported versions', (name) => {
    it('has one copy of each package shared with the library (#11.2)', async () => {
      const tree = JSON.parse(
        (await run(npm, ['ls', '--all', '--json'], { cwd: dir(name) })).stdout,
      ) as LsNode;
      const versions = versionsIn(tree);
      for (const shared of ['fast-check', 'fp-ts', 'io-ts', 'pg', '@event-driven-io/emmett'])
        expect([shared, [...(versions.get(shared) ?? [])]]).toEqual([shared, [expect.any(String)]]);
      expect(versions.has('immer')).toBe(false);
    });

    it('type-checks under nodenext, strict, exactOptionalPropertyTypes (an option given as undefined is one left out), skipLibCheck false, runs the shipped arbitraries in its own fc.property, and the Emmett decider in its own Emmett (#11.1, #11.2, #11.4, #12)', async () => {
      const compiled = await run(join(dir(name), 'node_modules', '.bin', 'tsc'), ['-p', '.'], {
        cwd: dir(name),
      });
      expect(compiled.stdout + compiled.stderr).toBe('');
      expect(compiled.code).toBe(0);
      const out = await ok(process.execPath, ['build/consumer.js'], { cwd: dir(name) });
      expect(JSON.parse(out)).toEqual({
        property: 'held',
        decision: expect.any(String),
        emmett: { appended: '2', again: 'TENANT_ALREADY_EXISTS' },
      });
    });

    it('type-checks under the newest lib too (target and lib esnext, whose iterators have helpers), skipLibCheck false', async () => {
      writeFileSync(
        join(dir(name), 'tsconfig.esnext.json'),
        JSON.stringify({
          ...nodenextStrict,
          compilerOptions: {
            ...nodenextStrict.compilerOptions,
            target: 'esnext',
            lib: ['esnext'],
            noEmit: true,
          },
        }),
      );
      const compiled = await run(
        join(dir(name), 'node_modules', '.bin', 'tsc'),
        ['-p', 'tsconfig.esnext.json'],
        {
          cwd: dir(name),
        },
      );
      expect(compiled.stdout + compiled.stderr).toBe('');
      expect(compiled.code).toBe(0);
    });

    it("type-checks every entry under TypeScript's module: commonjs, whose resolution reads no exports (typesVersions), and the require() calls it compiles to run", async () => {
      writeFileSync(
        join(dir(name), 'tsconfig.legacy.json'),
        JSON.stringify({
          // What `tsc --init` gave before TypeScript 5.9: its libraries' own declarations go unchecked
          // (fast-check 4's cannot be resolved without exports), the consumer's code is checked.
          compilerOptions: {
            module: 'commonjs',
            target: 'es2022',
            strict: true,
            esModuleInterop: true,
            skipLibCheck: true,
            types: ['node'],
            outDir: 'build-legacy',
          },
          files: ['legacy.cts'],
        }),
      );
      const compiled = await run(
        join(dir(name), 'node_modules', '.bin', 'tsc'),
        ['-p', 'tsconfig.legacy.json'],
        { cwd: dir(name) },
      );
      expect(compiled.stdout + compiled.stderr).toBe('');
      expect(compiled.code).toBe(0);
      const out = await ok(process.execPath, ['build-legacy/legacy.cjs'], { cwd: dir(name) });
      expect(JSON.parse(out)).toEqual(['function', 'function', 'function', 'function', null]);
    });

    it('can require() every entry from CommonJS (#11.7)', async () => {
      const out = JSON.parse(await ok(process.execPath, ['require.cjs'], { cwd: dir(name) })) as Record<
        string,
        number
      >;
      expect(Object.keys(out)).toEqual([
        'apss-domain',
        'apss-domain/testing',
        'apss-domain/postgres',
        'apss-domain/emmett',
      ]);
      expect(Object.values(out).every((count) => count > 0)).toBe(true);
    });

    it('bundles a service on apss-domain/postgres with esbuild, and the bundle runs alone against PostgreSQL (#11.9)', async () => {
      await ok(bin('esbuild'), esbuildRecipe('service.mjs'), { cwd: dir(name) });
      // The bundle is copied where there is no node_modules: it must need nothing installed.
      const alone = join(temp, `bundle-${name}`);
      mkdirSync(alone);
      copyFileSync(join(dir(name), 'bundle', 'service.mjs'), join(alone, 'service.mjs'));
      const started = await run(process.execPath, ['--check', 'service.mjs'], { cwd: alone });
      expect(started.code, started.stderr).toBe(0);
      if (postgresUnreachable !== undefined) {
        console.log(
          `consumers: not running the bundled service, no PostgreSQL at ${where()} (${postgresUnreachable})`,
        );
        return;
      }
      const schema = `apss_test_bundle_${name}_${process.pid}`;
      try {
        const out = await ok(process.execPath, ['service.mjs'], { cwd: alone, env: { APSS_SCHEMA: schema } });
        expect(JSON.parse(out)).toEqual({
          first: 2,
          again: 'TENANT_ALREADY_EXISTS',
          stored: ['partner-contoso SharedTenantCreated', 'partner-contoso ApssSubscriptionPurchased'],
        });
      } finally {
        const client = new pg.Client();
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
    });

    it('bundles a program that makes the HTML report on apss-domain/report, Vega with it, with esbuild, and the bundle makes the page alone (#14)', async () => {
      await ok(bin('esbuild'), esbuildRecipe('report.mjs'), { cwd: dir(name) });
      // Copied where there is no node_modules: the charts and Vega must be in the bundle.
      const alone = join(temp, `bundle-report-${name}`);
      mkdirSync(alone);
      copyFileSync(join(dir(name), 'bundle', 'report.mjs'), join(alone, 'report.mjs'));
      const out = await ok(process.execPath, ['report.mjs', join(root, 'examples', 'apss-log.ndjson')], {
        cwd: alone,
      });
      // The example's five findings; charts by code and by partner, its consumption, four timelines.
      expect(JSON.parse(out)).toEqual({ verdict: '5 findings', charts: 7 });
    });
  });
}

type Manifest = {
  readonly exports: Record<string, string | { readonly types?: string }>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly engines?: { readonly node?: string };
};
type LsNode = {
  readonly name?: string;
  readonly version?: string;
  readonly dependencies?: Record<string, LsNode>;
};

function versionsIn(node: LsNode, found = new Map<string, Set<string>>()): Map<string, Set<string>> {
  for (const [name, child] of Object.entries(node.dependencies ?? {})) {
    if (child.version !== undefined) found.set(name, (found.get(name) ?? new Set()).add(child.version));
    versionsIn(child, found);
  }
  return found;
}

/** The packages imported by the declaration files a user can reach from the package's exports. */
function publicTypeImports(packageDir: string, manifest: Manifest): Set<string> {
  const pending = Object.values(manifest.exports).flatMap((entry) =>
    typeof entry === 'object' && entry.types !== undefined ? [join(packageDir, entry.types)] : [],
  );
  const seen = new Set<string>();
  const packages = new Set<string>();
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, specifier = ''] of text.matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)) {
      if (specifier.startsWith('.')) pending.push(join(dirname(file), specifier.replace(/\.js$/, '.d.ts')));
      else if (!specifier.startsWith('node:')) packages.add(packageNameOf(specifier));
    }
  }
  expect(relative(packageDir, [...seen][0] ?? '')).not.toBe('');
  return packages;
}

const packageNameOf = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

const typesPackageOf = (name: string): string => `@types/${name.replace(/^@/, '').replace('/', '__')}`;

/** Whether a package (as the project has it installed) carries its own declarations. */
function hasOwnTypes(name: string): boolean {
  const dir = join(root, 'node_modules', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  return (
    manifest.types !== undefined ||
    manifest.typings !== undefined ||
    existsSync(join(dir, 'index.d.ts')) ||
    JSON.stringify(manifest.exports ?? {}).includes('"types"')
  );
}

const registryUnreachable = await registryProblem();
const postgresUnreachable = registryUnreachable === undefined ? await unreachableReason() : undefined;

if (registryUnreachable === undefined) {
  if (postgresUnreachable !== undefined && postgresRequired)
    describe('PostgreSQL', () => {
      it('is reachable, as APSS_REQUIRE_POSTGRES=1 demands', () => {
        throw new Error(
          `PostgreSQL at ${where()} is required (APSS_REQUIRE_POSTGRES=1) but unreachable: ${postgresUnreachable}`,
        );
      });
    });
  packageSuite();
} else if (registryRequired) {
  describe('the npm registry', () => {
    it('is reachable, as APSS_REQUIRE_REGISTRY=1 demands', () => {
      throw new Error(
        `the consumer suite needs the npm registry (APSS_REQUIRE_REGISTRY=1): ${registryUnreachable}`,
      );
    });
  });
} else {
  console.log(
    `consumers: skipping the consumer suite, the npm registry is unreachable (${registryUnreachable}); set APSS_REQUIRE_REGISTRY=1 to fail instead`,
  );
  describe.skip('consumer projects (no registry)', () => {
    it('need the npm registry', () => undefined);
  });
}
