// bench/evolve: `evolve` of one usage event onto a partner's state with 1,000,000 usage records,
// against the same onto a state with 1,000 (a command's cost should not grow with the partner).
// Each state extends the one before, as a command handler's cached state does. Also `fold` of a few
// events onto the large state. Target: evolve onto the large state <= 0.05 ms.
// Then `evolve` of a usage event that widens its subscription's days (a new last day) onto a partner
// with 20,000 subscriptions, against the same with one: the other records are shared, not copied.
// Target: <= 2x. Then a cached `handleCommand` (RecordUsage) on the partner with 1,000,000 usage records, against the
// same on a partner with 10,000. Target: <= 2x.
import { evolve, fold, handleCommand, StateCache } from '../dist/index.js';
import { usageData } from './_usage.mjs';

const LARGE = Number(process.env.BENCH_USAGE ?? 1_000_000);
const SMALL = 1_000;
const STEPS = 2_000;
const FEW = 10;
const ROUNDS = 5;
const TARGET_MS = 0.05;

const start = Date.parse('2018-01-01T00:00:00Z');
const event = (type, data, i, role = 'AdminAgent') => ({
  type,
  data: { partnerId: 'p1', ...data },
  metadata: { actor: { id: 'bench', role }, at: new Date(start + i * 1000).toISOString(), schemaVersion: 1 },
});
const usage = (i) => event('UsageRecorded', usageData('s1', `use-${i}`), i);
function* history(count) {
  yield event('SharedTenantCreated', { tenantId: 't1' }, 0);
  yield event(
    'ApssSubscriptionPurchased',
    { tenantId: 't1', subscriptionId: 's1', subscriptionName: 'Dev' },
    1,
  );
  for (let i = 2; i < count + 2; i++) yield usage(i);
}

/** Milliseconds per event of `apply` over `steps` new usage events, each onto the state before (best of the rounds). */
function perEvent(initial, steps, apply) {
  let state = initial;
  let next = state.version;
  let fastest = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const events = Array.from({ length: steps }, () => usage(next++));
    globalThis.gc?.();
    const began = process.hrtime.bigint();
    state = apply(state, events);
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - began) / 1e6 / steps);
  }
  if (state.usage.size !== initial.usage.size + steps * ROUNDS) throw new Error('a usage event was lost');
  return fastest;
}
const oneByOne = (state, events) => events.reduce(evolve, state);
const fewAtATime = (state, events) => {
  for (let i = 0; i < events.length; i += FEW) state = fold(events.slice(i, i + FEW), state);
  return state;
};

const small = fold(history(SMALL));
const large = fold(history(LARGE));
const fmt = (n) => n.toLocaleString('en-US');
const baseline = perEvent(small, STEPS, oneByOne);
const measured = perEvent(large, STEPS, oneByOne);
const folded = perEvent(large, STEPS, fewAtATime);

const SUBSCRIPTIONS = 20_000;
function* subscriptionHistory(count) {
  yield event('SharedTenantCreated', { tenantId: 't1' }, 0);
  for (let i = 1; i <= count; i++)
    yield event(
      'ApssSubscriptionPurchased',
      { tenantId: 't1', subscriptionId: `s${i}`, subscriptionName: 'Dev' },
      i,
    );
}
const dayAfter = (days) => new Date(Date.UTC(2019, 0, 1) + days * 86_400_000).toISOString().slice(0, 10);
/** Milliseconds per usage event on s1, each on a later day than the one before (best of the rounds). */
function perWideningEvent(initial) {
  let state = initial;
  let day = 0;
  let fastest = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const events = Array.from({ length: STEPS }, (_, i) =>
      event('UsageRecorded', { ...usageData('s1', `wide-${round}-${i}`), usageDate: dayAfter(day++) }, 0),
    );
    globalThis.gc?.();
    const began = process.hrtime.bigint();
    state = events.reduce(evolve, state);
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - began) / 1e6 / STEPS);
  }
  if (state.subscriptions.get('s1').lastUsageDay !== dayAfter(day - 1))
    throw new Error('a day was not widened');
  return fastest;
}
const wideningOne = perWideningEvent(fold(subscriptionHistory(1)));
const wideningMany = perWideningEvent(fold(subscriptionHistory(SUBSCRIPTIONS)));
const wideningOk = wideningMany <= 2 * wideningOne;
console.log(
  `evolve of usage on a new day, ${fmt(SUBSCRIPTIONS)} subscriptions: ${wideningMany.toFixed(4)} ms per event (best of ${ROUNDS} x ${fmt(STEPS)})`,
);
console.log(`baseline, 1 subscription: ${wideningOne.toFixed(4)} ms per event`);
console.log(
  `ratio:    ${(wideningMany / wideningOne).toFixed(2)} (cost; target <= 2) ${wideningOk ? 'ok' : 'MISSED'}`,
);

/**
 * A store holding each stream's events after a given version only: the state up to it is in the
 * cache, as a service's is after its first command on the partner. Appends are checked against the
 * stream's version and kept, so each command reads back none but its own.
 */
class TailStore {
  #streams = new Map();
  from(streamId, version) {
    this.#streams.set(streamId, { base: version, version, tail: [] });
  }
  async *readStream(streamId, options) {
    const stream = this.#streams.get(streamId);
    if (stream === undefined) return;
    for (let i = Math.max(0, (options?.after ?? 0) - stream.base); i < stream.tail.length; i++)
      yield stream.tail[i];
  }
  async *readAll() {}
  async appendToStream(streamId, events, { expectedVersion }) {
    const stream = this.#streams.get(streamId);
    if (expectedVersion !== stream.version)
      throw new Error(`bench store at ${stream.version}, not ${expectedVersion}`);
    for (const event of events) {
      stream.version += 1;
      stream.tail.push({ streamId, streamPosition: stream.version, globalPosition: 0n, event });
    }
    return { nextVersion: stream.version };
  }
}

const CACHED_SMALL = 10_000;
const COMMANDS = 2_000;
const commandAt = '2020-01-01T00:00:00.000Z';
/** A round of cached RecordUsage commands on a partner whose folded state is `state`: its milliseconds per command. */
function commandRounds(state, label) {
  const store = new TailStore();
  const cache = new StateCache({ maxBytes: 2 ** 30 });
  store.from('partner-p1', state.version);
  cache.set('partner-p1', state.version, state);
  let round = 0;
  return async () => {
    round += 1;
    globalThis.gc?.();
    const began = process.hrtime.bigint();
    for (let i = 0; i < COMMANDS; i++) {
      const result = await handleCommand(
        store,
        {
          type: 'RecordUsage',
          data: { partnerId: 'p1', ...usageData('s1', `${label}-${round}-${i}`) },
          metadata: { actor: { id: 'billing', role: 'System' }, at: commandAt },
        },
        { cache },
      );
      if (result._tag !== 'Right') throw new Error(`command refused: ${JSON.stringify(result.left)}`);
    }
    return Number(process.hrtime.bigint() - began) / 1e6 / COMMANDS;
  };
}
// Rounds on the two partners take turns, so that neither has the warmer machine.
const smallRound = commandRounds(fold(history(CACHED_SMALL)), 'small');
const largeRound = commandRounds(large, 'large');
const smallCosts = [];
const largeCosts = [];
for (let round = 0; round < ROUNDS; round++) {
  smallCosts.push(await smallRound());
  largeCosts.push(await largeRound());
}
const middle = (costs) => costs.sort((a, b) => a - b)[Math.floor(costs.length / 2)];
const commandSmall = middle(smallCosts);
const commandLarge = middle(largeCosts);
const commandOk = commandLarge <= 2 * commandSmall;
console.log(
  `cached handleCommand, ${fmt(LARGE)} usage records: ${commandLarge.toFixed(4)} ms per command (median of ${ROUNDS} x ${fmt(COMMANDS)})`,
);
console.log(`baseline, ${fmt(CACHED_SMALL)} usage records: ${commandSmall.toFixed(4)} ms per command`);
console.log(
  `ratio:    ${(commandLarge / commandSmall).toFixed(2)} (cost; target <= 2) ${commandOk ? 'ok' : 'MISSED'}`,
);

const ok = measured <= TARGET_MS;
console.log(
  `evolve, ${fmt(LARGE)} usage records: ${measured.toFixed(4)} ms per event (best of ${ROUNDS} x ${fmt(STEPS)})`,
);
console.log(`baseline, ${fmt(SMALL)} usage records:  ${baseline.toFixed(4)} ms per event`);
console.log(
  `fold of ${FEW} events, ${fmt(LARGE)} usage records: ${folded.toFixed(4)} ms per event (${(folded / baseline).toFixed(2)} of the baseline)`,
);
console.log(
  `ratio:    ${(measured / baseline).toFixed(2)} (cost; target <= ${TARGET_MS} ms) ${ok ? 'ok' : 'MISSED'}`,
);
process.exit(ok && commandOk && wideningOk ? 0 : 1);
