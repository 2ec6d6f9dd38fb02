import { describe, it } from 'vitest';
import { decide, defaultRules, rules2023 } from 'apss-domain';
import { assertProperty } from 'apss-domain/testing';
import { agreesWithModel } from './agreement.js';
import { modelRules } from './model.js';

describe('the decider against a reference model written from DOMAIN.md', () => {
  it('accepts and refuses what the model does, with the same code, at every step (default rules)', () => {
    assertProperty(agreesWithModel(decide, defaultRules, modelRules.default), { numRuns: 300 });
  });

  it('accepts and refuses what the model does, with the same code, at every step (2023 rules)', () => {
    assertProperty(agreesWithModel(decide, rules2023, modelRules[2023]), { numRuns: 150 });
  });
});
