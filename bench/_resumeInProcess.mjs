// bench/resume's in-process figure, in a process of its own: `node bench/_resumeInProcess.mjs LOG FILE
// ROUNDS` times, through the library's API, the full audit of LOG (auditLog, threads as `apss audit`
// chooses them) and the resumed audit of LOG from a copy of FILE (auditLogResuming), taking turns, best
// of ROUNDS each, with no process start or module loading in either figure. Checks that the findings
// of the resumed run are the full audit's last ones, and prints {full, resumed} in milliseconds as JSON.
import { copyFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { auditLog } from '../dist/audit/auditLog.js';
import { auditLogResuming } from '../dist/audit/resume.js';
import { compileRules, defaultRules } from '../dist/policies/ruleSet.js';

const [log, saved, rounds] = process.argv.slice(2);
const compiled = compileRules(defaultRules);
if (compiled._tag === 'Left') throw new Error(compiled.left);
const rules = compiled.right;
const working = `${saved}.in-process`;

const timed = async (work) => {
  globalThis.gc?.();
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
};

const best = { full: Infinity, resumed: Infinity };
try {
  for (let round = 1; round <= Number(rounds); round++) {
    const fullFindings = [];
    const full = await timed(() =>
      auditLog({ file: log }, (finding) => fullFindings.push(finding), { rules }),
    );
    if (full.result.kind !== 'audited') throw new Error(`full audit: ${full.result.kind}`);
    best.full = Math.min(best.full, full.ms);

    copyFileSync(saved, working);
    const resumedFindings = [];
    const resumed = await timed(() =>
      auditLogResuming(log, working, (finding) => resumedFindings.push(finding), { rules }),
    );
    if (resumed.result.kind !== 'audited')
      throw new Error(`resumed audit: ${JSON.stringify(resumed.result)}`);
    const { summary } = resumed.result;
    const tail = fullFindings.slice(fullFindings.length - resumedFindings.length);
    if (
      summary.records !== full.result.summary.records ||
      summary.findings !== full.result.summary.findings ||
      JSON.stringify(tail) !== JSON.stringify(resumedFindings)
    )
      throw new Error('resumed audit: its counts or findings are not the full audit’s');
    best.resumed = Math.min(best.resumed, resumed.ms);
  }
} finally {
  rmSync(working, { force: true });
}
process.stdout.write(JSON.stringify(best));
