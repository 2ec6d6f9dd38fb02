// bench/evolve: `evolve` of one usage event onto a partner's state with 1,000,000 usage records,
// against the same onto a state with 1,000 (a command's cost should not grow with the partner).
// Each state extends the one before, as a command handler's cached state does. Also `fold` of a few
// events onto the large state. Target: evolve onto the large state <= 0.05 ms.
import { evolve, fold } from '../dist/index.js';
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
process.exit(ok ? 0 : 1);
