import { compileRules, defaultRules, rules2023, type CompiledRules } from '../policies/ruleSet.js';

export type RulesName = 'default' | '2023';

/** The compiled rule set of a name; the built-in sets always compile. */
export function rulesNamed(name: RulesName): CompiledRules {
  const compiled = compileRules(name === '2023' ? rules2023 : defaultRules);
  if (compiled._tag === 'Left') throw new Error(`the ${name} rules do not compile: ${compiled.left}`);
  return compiled.right;
}
