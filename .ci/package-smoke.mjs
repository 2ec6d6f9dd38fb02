// The built package as a user gets it: every entry point of package.json's exports resolves, by
// import and by require, and carries its pinned names. Run after `npm run build` from the project root
// (Node resolves the package's own name through its exports map); .ci/run runs it a second time under
// --disallow-code-generation-from-strings.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const expected = {
  'apss-domain': [
    'initialState',
    'decide',
    'evolve',
    'fold',
    'decodeCommand',
    'decodeEvent',
    'handle',
    'defaultRules',
    'rules2023',
    'audit',
    'project',
    'reconciliation',
    'invoice',
    'overview',
    'InMemoryEventStore',
    'ConcurrencyError',
    'handleCommand',
  ],
  'apss-domain/testing': ['validHistory', 'anyCommand', 'invariants'],
  'apss-domain/postgres': ['PostgresEventStore'],
  'apss-domain/emmett': ['emmettDecider', 'RejectionError', 'UnreadableEventError', 'upcastEvent'],
  'apss-domain/report': ['auditReportHtml'],
};
let missing = 0;
for (const [entry, names] of Object.entries(expected))
  for (const [how, module] of [
    ['import', await import(entry)],
    ['require', require(entry)],
  ])
    for (const name of names)
      if (module[name] === undefined) {
        console.error(`package: ${entry} (${how}) does not export ${name}`);
        missing += 1;
      }
if (missing > 0) process.exit(1);
console.log(
  `package: ${Object.keys(expected).length} entry points resolve from dist, by import and require, with their pinned names`,
);
