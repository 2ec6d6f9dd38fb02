/** Where progress goes: a stream that may be a terminal. */
export type ProgressStream = {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): unknown;
};

const INTERVAL_MS = 150;
const number = new Intl.NumberFormat('en-US');
const megabytes = (bytes: number): string => `${(bytes / 1_000_000).toFixed(1)} MB`;

/**
 * One line on stderr that keeps rewriting itself, shown only when stderr is a terminal (never in a pipe
 * or a file, where it would be noise), and cleared before the results are printed.
 */
export class Progress {
  private readonly enabled: boolean;
  private last = 0;
  private shown = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly verb: string,
    private readonly totalBytes?: number,
  ) {
    this.enabled = stream.isTTY === true;
  }

  /** Reports lines and bytes done so far; cheap enough to call per chunk. */
  update(lines: number, bytes?: number, totalLines?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < INTERVAL_MS) return;
    this.last = now;
    let text = `${this.verb}: ${number.format(lines)} lines`;
    if (totalLines !== undefined)
      text += ` of ${number.format(totalLines)} (${Math.floor((100 * lines) / totalLines)}%)`;
    if (bytes !== undefined)
      text +=
        this.totalBytes !== undefined && this.totalBytes > 0
          ? `, ${megabytes(bytes)} of ${megabytes(this.totalBytes)} (${Math.floor((100 * bytes) / this.totalBytes)}%)`
          : `, ${megabytes(bytes)}`;
    const width = Math.max(20, (this.stream.columns ?? 80) - 1);
    this.stream.write(`\r\x1b[K${text.slice(0, width)}`);
    this.shown = true;
  }

  /** Clears the line. */
  done(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
