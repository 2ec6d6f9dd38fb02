// The library in a host process: it configures no shared dependency (immer), its states stay frozen
// whatever the host configured, and it works where code generation from strings is forbidden. The
// child processes load the built package (dist/, which `npm test` builds first) as a user does.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setAutoFreeze } from 'immer';
import { afterEach, describe, expect, it } from 'vitest';
import { decide, evolve, fold, initialState, type PartnerState } from 'apss-domain';
import { createTenant, history, purchase, usage } from '../builders.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const node = (flags: readonly string[], script: string): string =>
  execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });

const isDeeplyFrozen = (state: PartnerState): boolean =>
  Object.isFrozen(state) &&
  [state.subscriptions, state.reservations, state.deployments, state.services].every(
    (map) => Object.isFrozen(map) && [...map.values()].every((record) => Object.isFrozen(record)),
  ) &&
  Object.isFrozen(state.usage);

describe("a host's immer", () => {
  afterEach(() => setAutoFreeze(true));

  it("given the host turned immer's autoFreeze off, when it evolves, folds and decides, then every state it gets is deeply frozen", () => {
    setAutoFreeze(false);
    const events = history([
      createTenant('t1', 's1', { at: '2018-06-01T00:00:00Z' }),
      purchase('s2'),
      usage('s1', '2018-06-02'),
    ]);
    const evolved = events.reduce(evolve, initialState);
    expect(isDeeplyFrozen(evolved)).toBe(true);
    expect(isDeeplyFrozen(fold(events))).toBe(true);
    expect(() => (evolved.subscriptions as Map<string, unknown>).set('x', {})).toThrow('frozen');
    expect(decide(purchase('s3'), evolved)._tag).toBe('Right');
  });

  it("given a host that never loaded immer's MapSet plugin, when it imports every entry of the package, then immer still refuses to draft a Map", () => {
    const script = `
      await import('apss-domain'); await import('apss-domain/testing'); await import('apss-domain/postgres');
      const { produce } = await import('immer');
      try { produce(new Map([[1, 1]]), (draft) => { draft.set(1, 2); }); console.log('MapSet enabled'); }
      catch (error) { console.log(String(error.message).includes('MapSet') ? 'MapSet not loaded' : error.message); }`;
    expect(node([], script).trim()).toBe('MapSet not loaded');
  });
});

describe('importing the package', () => {
  it('given a fresh process, when every entry is imported, then no global or process listener is added (sideEffects)', () => {
    const script = `
      const globals = () => Object.getOwnPropertyNames(globalThis).sort().join();
      const listeners = () => process.eventNames().map((name) => [String(name), process.listenerCount(name)]).join();
      const before = [globals(), listeners()];
      await import('apss-domain'); await import('apss-domain/testing'); await import('apss-domain/postgres');
      console.log(JSON.stringify(before) === JSON.stringify([globals(), listeners()]) ? 'untouched' : 'changed');`;
    expect(node([], script).trim()).toBe('untouched');
  });
});

describe('where code generation from strings is forbidden', () => {
  // Decodes, folds, decides and audits the example log; the same output is expected either way.
  const script = `
    import { readFileSync } from 'node:fs';
    const domain = await import('apss-domain');
    await import('apss-domain/testing');
    await import('apss-domain/postgres');
    const lines = readFileSync('examples/apss-log.ndjson', 'utf8').split('\\n').filter(Boolean).map((line) => JSON.parse(line));
    const decoded = lines.map((line) => domain.decodeEvent(line));
    const events = decoded.filter((result) => result._tag === 'Right').map((result) => result.right);
    const state = domain.fold(events.filter((event) => event.data.partnerId === events[0].data.partnerId));
    const report = await domain.audit(lines);
    const refused = domain.decodeCommand({ type: 'CancelSubscription', data: { partnerId: 'p', subscriptonId: 's' } });
    console.log(JSON.stringify({ decoded: decoded.map((r) => r._tag), version: state.version, report, refused }));`;

  it('given node --disallow-code-generation-from-strings, when the package is imported and used, then it gives what it gives where eval is allowed', () => {
    const allowed = node([], script);
    const forbidden = node(['--disallow-code-generation-from-strings'], script);
    expect(JSON.parse(forbidden)).toEqual(JSON.parse(allowed));
    expect(JSON.parse(forbidden).version).toBeGreaterThan(0);
  });
});
