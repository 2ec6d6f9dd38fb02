// A worker thread of `auditFileInShards`: audits one shard of a log file and posts what it found.
import * as E from 'fp-ts/lib/Either.js';
import { parentPort, workerData } from 'node:worker_threads';
import { compileRules } from '../policies/ruleSet.js';
import { fileChunks } from './chunks.js';
import { auditShard } from './shard.js';
import type { ShardMessage, ShardTask } from './parallel.js';

const PROGRESS_EVERY_MS = 100;

async function run(task: ShardTask): Promise<ShardMessage> {
  const rules = compileRules(task.rules);
  if (E.isLeft(rules)) return { kind: 'failed', reason: rules.left };
  let last = 0;
  return auditShard(
    fileChunks(task.file),
    { shard: task.shard, shards: task.shards, rules: rules.right },
    {
      afterChunk: (lines, bytes) => {
        const now = Date.now();
        if (now - last < PROGRESS_EVERY_MS) return;
        last = now;
        parentPort?.postMessage({ kind: 'progress', lines, bytes } satisfies ShardMessage);
      },
    },
  );
}

run(workerData as ShardTask).then(
  (message) => parentPort?.postMessage(message),
  (error: unknown) =>
    parentPort?.postMessage({
      kind: 'failed',
      reason: error instanceof Error ? error.message : String(error),
    } satisfies ShardMessage),
);
