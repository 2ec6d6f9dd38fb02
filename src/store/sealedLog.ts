import type { ReadAllOptions } from './eventStore.js';
import type { SealedRecord } from '../seal/link.js';

/** A store that keeps a hash chain over its log and reads it back (docs/integrity.md). */
export interface SealedLog {
  /** Whether the store's log is sealed: every event it holds is a link of one chain. */
  isSealed(): Promise<boolean>;
  /**
   * The log's records with their links, in global order, after `after` if given. A store that is not
   * sealed rejects (an unsealed log has no links to give).
   */
  readSealed(options?: ReadAllOptions): AsyncIterable<SealedRecord>;
}
