import { LogRun, type LogOptions } from './logRun.js';
import { minimumEvents } from './size.js';

export type { LogOptions } from './logRun.js';

/**
 * A log of `events` NDJSON lines for `partners` partners over 2018-2021, deterministic in `seed`. Every
 * clean line is an event that `decide` produced from a command, applied to the partner's state as an
 * audit will apply it; `violations` lines are injected events that each break exactly one rule, cycling
 * through the rules. Partners join over the first half of the log; some start as CSP partners with
 * customer tenants only. Requires events >= minimumEvents(partners, violations).
 */
export function* generateLog(options: LogOptions): Generator<string, void, undefined> {
  const { partners, events, violations } = options;
  const needed = minimumEvents(partners, violations);
  if (events < needed)
    throw new RangeError(
      `a log of ${partners} partners and ${violations} violations needs at least ${needed} events`,
    );
  const run = new LogRun(options);
  while (!run.done) {
    run.writeNext();
    yield* run.lines;
    run.lines.length = 0;
  }
  run.checkComplete();
}
