/** Where progress goes: a stream that may be a terminal. */
export type ProgressStream = {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): unknown;
};

const INTERVAL_MS = 150;
/** ESC [K: erases to the end of the line. */
const ERASE_LINE = '\x1b[K';
const number = new Intl.NumberFormat('en-US');
const megabytes = (bytes: number): string => `${(bytes / 1_000_000).toFixed(1)} MB`;

/** Where progress is drawn: stderr, and the terminal's type (`TERM`), which may know no control codes. */
export type ProgressIo = { readonly stderr: ProgressStream; readonly term?: string | undefined };

/**
 * One line on stderr that keeps rewriting itself, shown only when stderr is a terminal (never in a pipe
 * or a file, where it would be noise), and cleared before the results are printed. A dumb terminal
 * (`TERM=dumb`) gets no control codes: the line is rewritten after a carriage return alone, and
 * blanked with spaces.
 */
export class Progress {
  private readonly enabled: boolean;
  private readonly dumb: boolean;
  private readonly stream: ProgressStream;
  private last = 0;
  private shownWidth = 0;

  constructor(
    io: ProgressIo,
    private readonly verb: string,
    private readonly totalBytes?: number,
  ) {
    this.stream = io.stderr;
    this.enabled = io.stderr.isTTY === true;
    this.dumb = io.term === 'dumb';
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
    const shown = text.slice(0, width);
    this.stream.write(this.dumb ? `\r${shown.padEnd(this.shownWidth)}` : `\r${ERASE_LINE}${shown}`);
    this.shownWidth = Math.max(this.shownWidth, shown.length);
  }

  /** Clears the line. */
  done(): void {
    if (this.shownWidth > 0)
      this.stream.write(this.dumb ? `\r${' '.repeat(this.shownWidth)}\r` : `\r${ERASE_LINE}`);
    this.shownWidth = 0;
  }
}
