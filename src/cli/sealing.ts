import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { isRecord, problemsOf, refined, struct } from '../lib/codec.js';
import { reasonOf } from '../lib/reason.js';
import { ChainWriter, sealedLine } from '../seal/link.js';
import { partnerStreamId } from '../store/eventStore.js';

/**
 * What `apss seal` takes for an event: a JSON object of exactly `type`, `data` and `metadata`, whose
 * data names the partner (its stream). The event need not be well-formed otherwise: the audit judges
 * it, and a malformed one is sealed as it was written so that the audit still reports it.
 */
const SealableRecord = struct('SealableRecord', {
  type: t.string,
  data: refined(
    'SealableData',
    (u): u is Record<string, unknown> =>
      isRecord(u) && typeof u.partnerId === 'string' && u.partnerId.length > 0,
    'an object with a partnerId',
  ),
  metadata: t.unknown,
});

/**
 * Seals the records of a log in the order given, as a sealed store would have: each partner's
 * events are stream `partner-<partnerId>` at positions 1, 2..., the log's global positions 1..n,
 * each record linked after the one before.
 */
export class LogSealer {
  #chain = new ChainWriter();
  readonly #versions = new Map<string, number>();

  get sealed(): number {
    return this.#chain.head.length;
  }

  get head(): string {
    return this.#chain.head.hash;
  }

  /** The sealed line of a record, or why the record cannot be sealed (nothing changes then). */
  line(record: unknown): E.Either<string, string> {
    const decoded = SealableRecord.decode(record);
    if (E.isLeft(decoded))
      return E.left(
        problemsOf(decoded.left)
          .map(({ path, reason }) => (path === '(root)' ? `the line ${reason}` : `${path} ${reason}`))
          .join('; '),
      );
    const { type, data, metadata } = decoded.right;
    const streamId = partnerStreamId(data.partnerId as string);
    const streamPosition = (this.#versions.get(streamId) ?? 0) + 1;
    const next = new ChainWriter(this.#chain.head);
    try {
      const line = sealedLine(
        next.next({
          type,
          data,
          metadata,
          streamId,
          streamPosition,
          globalPosition: String(this.#chain.head.length + 1),
        }),
      );
      this.#chain = next;
      this.#versions.set(streamId, streamPosition);
      return E.right(line);
    } catch (error) {
      // JSON.parse lets through what canonical JSON cannot carry: a lone surrogate ("\ud800").
      return E.left(`cannot be put in canonical JSON: ${reasonOf(error)}`);
    }
  }
}
