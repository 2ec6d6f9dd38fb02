import { describe, expect, it } from 'vitest';
import { decide, defaultRules } from 'apss-domain';
import { assertProperty, CounterexampleError, type DecideFunction } from 'apss-domain/testing';
import { agreesWithModel } from './agreement.js';
import { modelRules } from './model.js';

// A decider with R11 broken on purpose: it judges every command as if the cutoff were in year 9999.
const ignoresCutoff: DecideFunction = (command, state, rules = defaultRules) =>
  decide(command, state, { ...rules, marketplaceCutoff: '9999-12-31T23:59:59.999Z' });

const failureOf = (run: () => void): CounterexampleError => {
  try {
    run();
  } catch (error) {
    if (error instanceof CounterexampleError) return error;
    throw error;
  }
  throw new Error('the property passed, but the decider under test breaks R11');
};

describe('a counterexample reads as a command log with the seed to replay it', () => {
  it('catches a decider that ignores the Marketplace cutoff (R11) and shows the commands, one per line', () => {
    const failure = failureOf(() =>
      assertProperty(agreesWithModel(ignoresCutoff, defaultRules, modelRules.default), { numRuns: 300 }),
    );
    expect(failure.message).toMatch(
      /^Property failed after \d+ run\(s\), counterexample shrunk \d+ time\(s\):$/m,
    );
    expect(failure.message).toMatch(
      /^ {2}\S+ \w+ DeployMarketplaceOffer p1\/\S+ \S+ (byol|free) marketplace$/m,
    );
    expect(failure.message).toMatch(/Failure: step \d+, .*: expected 'accepted' to be 'MARKETPLACE_CUTOFF'/);
    expect(failure.message).toMatch(/^Replay with: \{ seed: -?\d+, path: "[\d:]+", endOnFailure: true \}$/m);
  });

  it('replays the same counterexample from the seed and path it prints', () => {
    const property = agreesWithModel(ignoresCutoff, defaultRules, modelRules.default);
    const first = failureOf(() => assertProperty(property, { numRuns: 300 }));
    const replayed = failureOf(() =>
      assertProperty(property, { seed: first.seed, path: first.path ?? undefined, endOnFailure: true }),
    );
    expect(replayed.counterexample).toEqual(first.counterexample);
  });
});
