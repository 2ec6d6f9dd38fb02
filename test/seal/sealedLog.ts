import { readFileSync } from 'node:fs';
import { ChainWriter, sealedLine } from '../../src/seal/link.js';

/** The lines of the bundled example log. */
export const exampleLines = (): string[] =>
  readFileSync(new URL('../../examples/apss-log.ndjson', import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);

/**
 * A log's lines sealed in order, as a store writes them: each event in its partner's stream, the
 * global positions counted from `from`. Lines that are not events are sealed as they are.
 */
export function sealLines(lines: readonly string[], { from = 1 }: { from?: number } = {}): string[] {
  const writer = new ChainWriter();
  const streams = new Map<string, number>();
  return lines.map((line, index) => {
    const event = JSON.parse(line) as { type: string; data: { partnerId?: string }; metadata?: unknown };
    const streamId = `partner-${event.data.partnerId ?? 'none'}`;
    const streamPosition = (streams.get(streamId) ?? 0) + 1;
    streams.set(streamId, streamPosition);
    return sealedLine(
      writer.next({
        type: event.type,
        data: event.data,
        metadata: event.metadata,
        streamId,
        streamPosition,
        globalPosition: String(from + index),
      }),
    );
  });
}
