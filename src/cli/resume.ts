import * as E from 'fp-ts/lib/Either.js';
import type { AuditSummary } from '../audit/auditor.js';
import { auditLogResuming, ResumeFileUnwritten, type AuditedRun } from '../audit/resume.js';
import type { CompiledRules } from '../policies/ruleSet.js';
import { put, type CliIo } from './io.js';
import type { FindingsOutput } from './output.js';
import { reasonOf } from './source.js';

const number = new Intl.NumberFormat('en-US');

/** What `apss audit <file> --resume FILE` ran: the report's counts and how it names what it read; or why it could not. */
export type ResumedRun = E.Either<string, { readonly summary: AuditSummary; readonly source: string }>;

/**
 * `apss audit <file> --resume FILE`: the audit of the log's lines after those FILE saved (all of them
 * when FILE does not exist yet), its report finished with `finish`, then FILE brought up to date: a
 * report that cannot be written leaves FILE as it was, so the next run finds those findings again.
 * The report counts the records, events and partners of the whole log, and lists and counts the
 * findings of the lines read in this run.
 */
export async function auditResuming(
  file: string,
  resumeFile: string,
  rules: CompiledRules,
  jobs: number | undefined,
  output: FindingsOutput,
  finish: (summary: AuditSummary, source: string) => Promise<void>,
  io: CliIo,
): Promise<ResumedRun> {
  if ((jobs ?? 1) > 1)
    await put(
      io.stderr,
      "apss audit: auditing in one thread: --resume keeps every partner's state, which one thread holds\n",
    );
  const reported = ({ summary, found, after }: AuditedRun) => ({
    summary: { ...summary, findings: found },
    source: after === 0 ? file : `${file}, resumed after line ${number.format(after)} (${resumeFile})`,
  });
  let audited: Awaited<ReturnType<typeof auditLogResuming>>;
  try {
    audited = await auditLogResuming(file, resumeFile, output.add, {
      rules,
      ready: output.ready,
      finished: async (run) => {
        const { summary, source } = reported(run);
        await finish(summary, source);
      },
    });
  } catch (error) {
    if (error instanceof ResumeFileUnwritten) return E.left(error.message);
    throw error;
  }
  switch (audited.kind) {
    case 'refused':
      return E.left(`cannot resume: ${audited.reason}`);
    case 'unreadable':
      return E.left(`cannot read ${file}: ${reasonOf(audited.error)}`);
    case 'audited':
      return E.right(reported(audited));
  }
}
