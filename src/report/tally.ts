import type { LogFinding } from '../audit/auditor.js';
import { INLINE_FINDINGS } from './data.js';

/** A finding's identity: a record breaks a rule once. */
export const keyOf = ({ position, code }: Pick<LogFinding, 'position' | 'code'>): string =>
  `${position} ${code}`;

const bump = (counts: Map<string, number>, key: string): void => {
  counts.set(key, (counts.get(key) ?? 0) + 1);
};

/**
 * The findings of an audit as they come: each counted by code and by partner, and only the first
 * `inline` kept, so that it holds as little for ten million findings as for a thousand.
 */
export class FindingsTally {
  readonly byCode = new Map<string, number>();
  readonly byPartner = new Map<string, number>();
  readonly first: LogFinding[] = [];
  private counted = 0;

  constructor(private readonly inline = INLINE_FINDINGS) {}

  readonly add = (finding: LogFinding): void => {
    this.counted += 1;
    bump(this.byCode, finding.code);
    if (finding.partnerId !== undefined) bump(this.byPartner, finding.partnerId);
    if (this.first.length < this.inline) this.first.push(finding);
  };

  /** Whether every finding is among the first kept. */
  get complete(): boolean {
    return this.counted === this.first.length;
  }

  /**
   * Of another rule set's findings of the same log, in log order, those a page lists beside these:
   * up to the last one listed here (beyond it, neither list is complete), at most as many as are
   * listed here, and not found here too.
   */
  listedBeside(others: readonly LogFinding[]): LogFinding[] {
    const listed = new Set(this.first.map(keyOf));
    const last = this.complete ? Infinity : (this.first.at(-1)?.position ?? 0);
    return others
      .filter(({ position }) => position <= last)
      .slice(0, this.inline)
      .filter((finding) => !listed.has(keyOf(finding)));
  }

  /** The `n` partners with the most findings, most first, ties by partner id. */
  mostAffected(n: number): readonly string[] {
    return [...this.byPartner]
      .sort(([a, m], [b, k]) => k - m || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, n)
      .map(([partnerId]) => partnerId);
  }
}
