// A worker thread of `auditInShards`: audits one shard of a log file and posts what it found.
import * as E from 'fp-ts/lib/Either.js';
import { parentPort, workerData } from 'node:worker_threads';
import { compileRules } from '../policies/ruleSet.js';
import type { LogFinding } from './auditor.js';
import { fileChunks, PACED_BYTES, slicesOf } from './chunks.js';
import { auditShard } from './shard.js';
import { observerOf } from './observer.js';
import { LinkPacker } from './linkBatch.js';
import {
  BYTES_PER_MESSAGE,
  FINDING_WEIGHT,
  FINDINGS_PER_MESSAGE,
  WEIGHT_IN_FLIGHT,
  type ShardMessage,
  type ShardReply,
  type ShardTask,
} from './parallel.js';
import { reasonOf } from '../lib/reason.js';

const PROGRESS_EVERY_MS = 100;

/** What the batches sent and not yet passed on weigh; the shard waits while they weigh too much. */
let inFlight = 0;
/** What each of them weighs, the oldest first (they are passed on in the order they were sent). */
const weights: number[] = [];
let taken: (() => void) | undefined;
parentPort?.on('message', (reply: ShardReply) => {
  for (const weight of weights.splice(0, reply.batches)) inFlight -= weight;
  taken?.();
  taken = undefined;
});

const failed = (reason: string): ShardMessage => ({ kind: 'failed', reason });

async function run(task: ShardTask): Promise<ShardMessage> {
  const rules = compileRules(task.rules);
  if (E.isLeft(rules)) return failed(rules.left);
  let last = 0;
  let batch: LogFinding[] = [];
  const linked = task.verify ? new LinkPacker() : undefined;
  let postedBytes = 0;
  /** The lines ended by a newline, read so far. */
  let ended = 0;
  /** Posts what the lines up to `through` found, unless it may wait for more (see BYTES_PER_MESSAGE). */
  const send = async (through: number, bytes: number, last: boolean): Promise<void> => {
    if (!last && bytes - postedBytes < BYTES_PER_MESSAGE && batch.length < FINDINGS_PER_MESSAGE) return;
    postedBytes = bytes;
    const findings = batch;
    batch = [];
    const links = linked?.take();
    parentPort?.postMessage({
      kind: 'findings',
      findings,
      through,
      ...(links === undefined ? {} : { links }),
    } satisfies ShardMessage);
    if (findings.length > 0 || (links?.length ?? 0) > 0) {
      const weight = (links?.length ?? 0) + FINDING_WEIGHT * findings.length;
      weights.push(weight);
      inFlight += weight;
    }
    // After the last, the outcome is posted at once: it may be what lets the merge pass the rest on.
    while (!last && inFlight >= WEIGHT_IN_FLIGHT) await new Promise<void>((resolve) => (taken = resolve));
  };
  const observer = task.observe === undefined ? undefined : await observerOf(task.observe);
  const outcome = await auditShard(
    // In small pieces: a batch of findings is what the lines of one piece produce.
    slicesOf(fileChunks(task.file), PACED_BYTES),
    { shard: task.shard, shards: task.shards, rules: rules.right },
    {
      found: (finding) => batch.push(finding),
      ...(observer === undefined ? {} : { observer }),
      ...(linked === undefined ? {} : { linked }),
      afterChunk: (lines, bytes) => {
        ended = lines;
        const now = Date.now();
        if (now - last >= PROGRESS_EVERY_MS) {
          last = now;
          parentPort?.postMessage({ kind: 'progress', lines, bytes } satisfies ShardMessage);
        }
        return send(lines, bytes, false);
      },
    },
  );
  // The findings of a last line with no newline come after the last chunk, but only the ended lines
  // are said to be read: a shard that read the file while it grew may have seen a line cut short, so
  // the merge holds that line's findings until it knows that every shard read the same bytes.
  if (outcome.kind === 'done') await send(ended, outcome.read.bytes, true);
  return outcome;
}

/** Posts the shard's outcome, or why it could not be posted (a value a thread cannot copy). */
function post(message: ShardMessage): void {
  try {
    parentPort?.postMessage(message);
  } catch (error) {
    parentPort?.postMessage(failed(`its outcome could not be passed on: ${reasonOf(error)}`));
  }
}

run(workerData as ShardTask).then(post, (error: unknown) => post(failed(reasonOf(error))));
