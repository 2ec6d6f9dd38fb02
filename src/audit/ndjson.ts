import { isUtf8 } from 'node:buffer';
import { reasonOf } from '../lib/reason.js';

/**
 * Takes the non-blank lines of an NDJSON log as they are read: the value a line holds, or why it
 * holds none, with the route its router gave the line. Positions are line numbers. A value is handed
 * over as soon as it is parsed, so it can be dropped as soon as it is used: nothing piles up between
 * reading and judging.
 */
export type NdjsonSink<Route = true> = {
  /** `line` is the text the value was parsed from (without a byte-order mark). */
  value(position: number, value: unknown, route: Route, line: string): void;
  problem(position: number, problem: string, route: Route): void;
};

/**
 * Which lines to read, decided before a line is parsed, and what the sink is told of each: the route
 * of a line, or undefined for a line that keeps its number but is neither parsed nor reported.
 */
export type LineRouter<Route> = {
  /** The route of the line that is `text` from `start` to `end`. */
  line(text: string, start: number, end: number): Route | undefined;
  /** The route of a line too long to hold, whose text is never decoded. */
  oversized(): Route | undefined;
};

/** Every line read, and reported. */
export const everyLine: LineRouter<true> = { line: () => true, oversized: () => true };

export type NdjsonOptions = {
  /** A longer line is reported and skipped without being held in memory. */
  readonly maxLineBytes?: number;
};

/** Generous for any event (ids are at most 128 characters), small enough that one bad line cannot exhaust memory. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

const NEWLINE = 0x0a;
/** Decoded text of more than about 128 KB is a large object of V8's, which costs fresh pages each time. */
const REGION_BYTES = 64 * 1024;
const BYTE_ORDER_MARK = 0xfeff;
const REPLACEMENT = '\ufffd';
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

const bytes = (n: number): string =>
  n < 1024 * 1024 ? `${n} bytes` : `${(n / (1024 * 1024)).toFixed(1)} MiB (${n} bytes)`;

/**
 * Cuts a byte stream into lines and parses each. Bytes are split at newlines before they are decoded,
 * so a chunk may end anywhere (inside a character, between CR and LF); a line is decoded once, whole.
 */
export class NdjsonSplitter<Route = true> {
  private position = 0;
  /** Bytes of the line not yet ended by a newline. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private oversized = false;
  private readonly maxLineBytes: number;

  constructor(
    private readonly sink: NdjsonSink<Route>,
    private readonly router: LineRouter<Route>,
    options: NdjsonOptions = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Hands over the lines a chunk completes. */
  push(chunk: Uint8Array): void {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let start = 0;
    if (this.pendingBytes > 0 || this.oversized) {
      const newline = buffer.indexOf(NEWLINE);
      if (newline === -1) {
        this.hold(buffer);
        return;
      }
      this.hold(buffer.subarray(0, newline));
      this.finishPending(true);
      start = newline + 1;
    }
    // Lines are decoded a region at a time, and a region small enough stays a regular heap string.
    while (start < buffer.length) {
      let last = buffer.lastIndexOf(NEWLINE, Math.min(start + REGION_BYTES, buffer.length) - 1);
      // A line longer than a region is its own region.
      if (last < start) last = buffer.indexOf(NEWLINE, start + REGION_BYTES);
      if (last === -1) break;
      this.completeLines(buffer.subarray(start, last));
      start = last + 1;
    }
    if (start < buffer.length) this.hold(buffer.subarray(start));
  }

  /** Hands over the last line, if the stream did not end with a newline. */
  end(): void {
    if (this.pendingBytes > 0 || this.oversized) this.finishPending(false);
  }

  /** The number of the last line handed over (or skipped as blank). */
  get lines(): number {
    return this.position;
  }

  private hold(piece: Buffer): void {
    if (!this.oversized && this.pendingBytes + piece.length > this.maxLineBytes) {
      this.oversized = true;
      this.pending = [];
    }
    // A copy: the caller may reuse its chunk, and a short tail should not keep a whole chunk alive.
    if (!this.oversized) this.pending.push(Buffer.from(piece));
    this.pendingBytes += piece.length;
  }

  private finishPending(endsWithNewline: boolean): void {
    if (this.oversized) {
      this.position += 1;
      const route = this.router.oversized();
      if (route !== undefined)
        this.sink.problem(
          this.position,
          `the line is ${bytes(this.pendingBytes)} long, more than the limit of ${bytes(this.maxLineBytes)}; it was skipped unread`,
          route,
        );
    } else {
      this.line(
        this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending),
        endsWithNewline,
      );
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.oversized = false;
  }

  /** One line's bytes, checked to be UTF-8 on their own. */
  private line(bytes: Buffer, endsWithNewline: boolean): void {
    const text = bytes.toString('utf8');
    const route = this.router.line(text, 0, text.length);
    if (route === undefined) this.position += 1;
    else if (isUtf8(bytes)) this.parse(text, endsWithNewline, route);
    else this.notUtf8(route);
  }

  /** Lines separated by newlines, the last one ended by a newline the caller has cut off. */
  private completeLines(region: Buffer): void {
    const text = region.toString('utf8');
    // Decoding turns bytes that are not UTF-8 into U+FFFD: only then are the bytes checked line by line.
    if (text.indexOf(REPLACEMENT) === -1 || isUtf8(region)) {
      let from = 0;
      for (let to = text.indexOf('\n'); ; to = text.indexOf('\n', from)) {
        const end = to === -1 ? text.length : to;
        const route = this.router.line(text, from, end);
        if (route === undefined) this.position += 1;
        else this.parse(text.slice(from, end), true, route);
        if (to === -1) return;
        from = to + 1;
      }
    }
    let from = 0;
    for (let to = region.indexOf(NEWLINE); ; to = region.indexOf(NEWLINE, from)) {
      this.line(region.subarray(from, to === -1 ? region.length : to), true);
      if (to === -1) return;
      from = to + 1;
    }
  }

  private notUtf8(route: Route): void {
    this.position += 1;
    this.sink.problem(this.position, 'the line is not valid UTF-8 text', route);
  }

  private parse(line: string, endsWithNewline: boolean, route: Route): void {
    this.position += 1;
    const text = line.charCodeAt(0) === BYTE_ORDER_MARK ? line.slice(1) : line;
    if (text.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      if (text.trim().length === 0) return;
      const reason = reasonOf(error).replace(CONTROL, ' ');
      const truncated = endsWithNewline
        ? ''
        : '; it is the last line and has no newline at its end, so the log may be truncated';
      this.sink.problem(this.position, `the line is not valid JSON (${reason})${truncated}`, route);
      return;
    }
    // Outside the try: an exception of the sink's is its own, not a parse error of the line's.
    this.sink.value(this.position, value, route, text);
  }
}

/**
 * Reads NDJSON from a stream of bytes into a sink, one chunk at a time, so that memory holds one chunk
 * and one line however long the log. Blank lines are skipped but keep their number; CRLF line ends and
 * byte-order marks are accepted. `afterChunk` runs after each chunk's lines (for progress).
 */
export async function readNdjson(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  sink: NdjsonSink,
  options: NdjsonOptions & { readonly afterChunk?: (lines: number) => void } = {},
): Promise<void> {
  const splitter = new NdjsonSplitter(sink, everyLine, options);
  for await (const chunk of chunks) {
    splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    options.afterChunk?.(splitter.lines);
  }
  splitter.end();
}

/** The values of an NDJSON log's lines, in order; a line that holds no value is given as `unreadable(problem)`. */
export async function* ndjsonValues(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  unreadable: (problem: string) => unknown,
  options: NdjsonOptions & { readonly afterChunk?: (lines: number) => void } = {},
): AsyncGenerator<unknown, void, undefined> {
  let ready: unknown[] = [];
  const splitter = new NdjsonSplitter(
    { value: (_, value) => ready.push(value), problem: (_, problem) => ready.push(unreadable(problem)) },
    everyLine,
    options,
  );
  const drain = function* (): Generator<unknown, void, undefined> {
    const values = ready;
    ready = [];
    yield* values;
  };
  for await (const chunk of chunks) {
    splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    options.afterChunk?.(splitter.lines);
    yield* drain();
  }
  splitter.end();
  yield* drain();
}
