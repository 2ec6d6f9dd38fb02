import * as E from 'fp-ts/lib/Either.js';
import { randomBytes } from 'node:crypto';
import { lstat, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  fieldValues,
  recordKeys,
  sectionToWrite,
  type LayerBytes,
  type RecordKey,
} from '../state/stateBytes.js';
import type { PartnerState } from '../state/state.js';
import {
  DATA_START,
  entryBytes,
  entryJson,
  MAGIC,
  padded,
  RESUME_FORMAT,
  SUPERBLOCK_AT,
  superblockBytes,
  type EntryRefs,
  type ResumeFile,
  type ResumeHeader,
  type LayerRef,
  type SavedEntry,
  type SectionRef,
} from './resumeFile.js';
import { BlockWriter } from './blockWriter.js';
import { withLock } from './fileLock.js';
import { extentOf, type ExtentRef } from './usageExtents.js';

/** What a resume file is written of, per partner: its entry as it was read (the partner not met), or its state (met, with where its parts were, or new). */
export type EntryToWrite =
  | { readonly saved: SavedEntry }
  | { readonly partnerId: string; readonly state: PartnerState; readonly was?: EntryRefs };

/** Bytes to write one after the other, and how many in all. */
type Parts = { readonly parts: readonly Uint8Array[]; readonly length: number };

/** Makes a folder's entries (a file renamed into it) durable, where the system lets a folder be synced. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
}

/** A block to write, or one the file holds already (see RESUME_FORMAT). */
type Block<R> = { readonly kept: R } | { readonly bytes: Parts; readonly ref: Omit<R, 'at'> };

/** A section to write: how many records, its layers. */
type SectionBlocks = { readonly count: number; readonly layers: readonly Block<LayerRef>[] };

/** A partner's entry to write: its JSON as it was, or its fields and blocks. */
type PlannedEntry =
  | { readonly saved: SavedEntry }
  | {
      readonly partnerId: string;
      readonly fields: unknown;
      readonly sections: { readonly [K in RecordKey]: SectionBlocks | null };
      readonly extents: readonly Block<ExtentRef>[];
      readonly was: EntryRefs | undefined;
    };

/**
 * The dead bytes (blocks no root points at, earlier roots) a file may hold before a run writes it
 * anew, whole, rather than at its end: as many as its live bytes, and at least this many.
 */
export const COMPACT_AFTER_BYTES = 16 * 1024 * 1024;

const bytesOf = (parts: readonly Uint8Array[]): Parts => ({
  parts,
  length: parts.reduce((sum, part) => sum + part.length, 0),
});

const newLayer = ({ parts, length, indexLength, indexCrc, count }: LayerBytes): Block<LayerRef> => ({
  bytes: { parts, length },
  ref: { length, indexLength, indexCrc, count },
});

/**
 * How many of a partner's extents (their counts, oldest first) stay as they are when `added` ids are
 * written: the newest are merged with the added ones while each holds at most twice as many ids as
 * those merged so far, so that each extent holds more than twice as many as the one after it, and a
 * partner of n ids has at most log2(n) + 1 extents.
 */
export function extentsKept(counts: readonly number[], added: number): number {
  let keep = counts.length;
  let merged = added;
  while (keep > 0 && (counts[keep - 1] as number) <= 2 * merged) {
    keep -= 1;
    merged += counts[keep] as number;
  }
  return keep;
}

/** A partner's state as blocks: sections unchanged and usage ids already in the file kept, the rest to write. */
function blocksOf(
  file: ResumeFile | undefined,
  partnerId: string,
  state: PartnerState,
  was: EntryRefs | undefined,
): PlannedEntry {
  const sections = {} as Record<RecordKey, SectionBlocks | null>;
  const keeps = (layer: Parameters<ResumeFile['layerRef']>[0]) => file?.layerRef(layer) !== undefined;
  for (const key of recordKeys) {
    const section = sectionToWrite(key, state[key] as ReadonlyMap<string, never>, keeps);
    sections[key] =
      section === null
        ? null
        : {
            count: state[key].size,
            layers: [
              ...section.kept.map((layer) => ({ kept: file?.layerRef(layer) as LayerRef })),
              ...(section.added === undefined ? [] : [newLayer(section.added)]),
            ],
          };
  }
  // The usage ids added since the file's extents, as one more extent; merged with the last of those
  // while that holds at most twice as many, so that a partner has a few extents, each read whole at
  // most a few times as its ids grow.
  const below = state.usage.below;
  const ours = file?.keeps(below) === true;
  const kept = ours ? below.refs : [];
  let ids = [...(!ours && below !== undefined ? below.keys() : []), ...state.usage.ownKeys()];
  const keep =
    ids.length === 0
      ? kept.length
      : extentsKept(
          kept.map((ref) => ref.count),
          ids.length,
        );
  if (keep < kept.length && ours) ids = [...below.keysFrom(keep), ...ids];
  const extents: Block<ExtentRef>[] = kept.slice(0, keep).map((ref) => ({ kept: ref }));
  if (ids.length > 0) {
    const extent = extentOf(ids);
    extents.push({ bytes: bytesOf([extent.bytes]), ref: extent.ref });
  }
  return { partnerId, fields: fieldValues(state), sections, extents, was };
}

/**
 * The blocks of a planned entry written (or, with `copy`, those the old file holds copied too);
 * answers where they all are.
 */
function written(
  writer: BlockWriter,
  entry: Exclude<PlannedEntry, { saved: SavedEntry }>,
  copy: ((at: number, length: number) => Buffer) | undefined,
): Omit<EntryRefs, 'fields'> {
  const place = <R extends { at: number; length: number }>(block: Block<R>): R => {
    if ('kept' in block) {
      if (copy === undefined) return block.kept;
      return { ...block.kept, at: writer.write([copy(block.kept.at, block.kept.length)]) };
    }
    return { ...block.ref, at: writer.write(block.bytes.parts) } as R;
  };
  const sections = {} as Record<RecordKey, SectionRef | null>;
  for (const key of recordKeys) {
    const section = entry.sections[key];
    if (section === null) sections[key] = null;
    else {
      const layers: LayerRef[] = [];
      for (const layer of section.layers) layers.push(place(layer));
      sections[key] = { count: section.count, layers };
    }
  }
  const extents: ExtentRef[] = [];
  for (const block of entry.extents) extents.push(place(block));
  return { sections, extents };
}

/** Writes the superblock of a sequence number, pointing at a root and the blocks' end, in its slot. */
async function pointAt(
  handle: FileHandle,
  sequence: number,
  root: Buffer,
  rootAt: number,
  end: number,
): Promise<void> {
  const block = superblockBytes({ sequence, rootAt, rootLength: root.length, rootCrc: crc32(root), end });
  const { bytesWritten } = await handle.write(block, 0, block.length, SUPERBLOCK_AT[(sequence % 2) as 0 | 1]);
  if (bytesWritten !== block.length) throw new Error(`wrote ${bytesWritten} of ${block.length} bytes`);
}

const rootBytes = (header: ResumeHeader, live: number, partners: readonly unknown[]): Buffer =>
  Buffer.from(JSON.stringify({ header, live, partners }), 'utf8');

/** What a run writes of a resume file (see planResumeFile): the file it read, and each partner's entry as it is to be written. */
export type ResumePlan = { readonly file: ResumeFile | undefined; readonly entries: readonly PlannedEntry[] };

/**
 * Each partner's entry as it is to be written: its blocks made, reading what of the file they keep
 * as it was and must be read to be merged or copied (a layer's rows, an extent's ids). Nothing is
 * written: a part found then not to decode throws what its reader throws, before a run answers.
 */
export function planResumeFile(file: ResumeFile | undefined, entries: readonly EntryToWrite[]): ResumePlan {
  return {
    file,
    entries: entries.map((entry): PlannedEntry =>
      'saved' in entry ? entry : blocksOf(file, entry.partnerId, entry.state, entry.was),
    ),
  };
}

/**
 * Brings the resume file up to date as planned: at its end (its changed parts, then a new root, then
 * its other superblock), or, when it has none yet or more dead bytes than live ones (see
 * COMPACT_AFTER_BYTES), written anew beside it and put in its place. A run that stops halfway leaves
 * the file as the last run left it: its superblock still points at that run's root, and a write that
 * fails before its superblock takes back what it added. Rejects when another run holds FILE.lock, or
 * wrote the file since it was opened.
 */
export async function saveResumeFile(
  path: string,
  { file, entries: plans }: ResumePlan,
  header: ResumeHeader,
  { compactAfter = COMPACT_AFTER_BYTES }: { readonly compactAfter?: number } = {},
): Promise<void> {
  return withLock(path, async () => {
    await unchangedSince(path, file);
    await removeLeftovers(path);
    if (file === undefined) return writeAnew(path, undefined, header, plans);
    return writeChanges(file, header, plans, compactAfter);
  });
}

/** Writes what changed: at the file's end, or the whole file anew when most of it is dead. */
async function writeChanges(
  file: ResumeFile,
  header: ResumeHeader,
  plans: readonly PlannedEntry[],
  compactAfter: number,
): Promise<void> {
  let appended = 0;
  let live = file.live;
  for (const plan of plans) {
    if ('saved' in plan) continue;
    if (plan.was !== undefined) live -= entryBytes(plan.was);
    const layers = recordKeys.flatMap((key) => plan.sections[key]?.layers ?? []);
    for (const block of [...layers, ...plan.extents]) {
      const length = 'kept' in block ? block.kept.length : block.bytes.length;
      live += padded(length);
      if (!('kept' in block)) appended += padded(length);
    }
  }
  const end = padded(file.superblock.end);
  const dead = end + appended - DATA_START - live;
  // Written anew only where every entry's places can be read to copy its blocks.
  if (
    dead > Math.max(live, compactAfter) &&
    plans.every((plan) => !('saved' in plan) || E.isRight(file.refsOf(plan.saved)))
  )
    return writeAnew(file.path, file, header, plans);
  return appendTo(file, header, plans, live);
}

/** Rejects when the file is not as the run read it (its first bytes: its superblocks), or is there when it was not. */
async function unchangedSince(path: string, file: ResumeFile | undefined): Promise<void> {
  let now: Buffer | undefined;
  try {
    const handle = await open(path, 'r');
    try {
      now = Buffer.alloc(DATA_START);
      const { bytesRead } = await handle.read(now, 0, DATA_START, 0);
      now = now.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
  }
  const same = file === undefined ? now === undefined : now !== undefined && now.equals(file.head);
  if (!same) throw new Error('another run wrote it since this one read it');
}

async function appendTo(
  file: ResumeFile,
  header: ResumeHeader,
  plans: readonly PlannedEntry[],
  live: number,
): Promise<void> {
  const handle = await open(file.path, 'r+');
  try {
    const writer = new BlockWriter(handle, padded(file.superblock.end));
    let pointed = false;
    try {
      const partners: unknown[] = [];
      for (const plan of plans)
        partners.push(
          'saved' in plan
            ? plan.saved.json
            : entryJson(plan.partnerId, plan.fields, written(writer, plan, undefined)),
        );
      const root = rootBytes(header, live, partners);
      const rootAt = writer.write([root]);
      await writer.flush();
      // The blocks and the root are on disk before the superblock that points at them.
      await handle.datasync();
      pointed = true;
      await pointAt(handle, file.superblock.sequence + 1, root, rootAt, writer.position);
      await handle.datasync();
    } catch (error) {
      // Once the superblock may point at them, the blocks stay.
      if (!pointed) await handle.truncate(file.size).catch(() => undefined);
      throw error;
    }
  } finally {
    await handle.close();
  }
}

/** The name of a file written anew beside FILE before it takes FILE's name (see writeAnew). */
const temporaryOf = (path: string): string => `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;

/**
 * Removes the files that runs stopped while they wrote FILE anew left beside it. Called holding
 * FILE.lock: no other run is writing one. Housekeeping only: a folder that cannot be listed, or a
 * file of that name that is not a regular file or cannot be removed, is left as it is.
 */
async function removeLeftovers(path: string): Promise<void> {
  const name = basename(path);
  const folder = dirname(path);
  const entries = await readdir(folder).catch(() => []);
  for (const entry of entries) {
    if (!entry.startsWith(name) || !/^\.\d+\.[0-9a-f]{12}\.tmp$/.test(entry.slice(name.length))) continue;
    const leftover = join(folder, entry);
    // Some filesystems do not tell a file's type as they list it (FUSE's may not).
    if ((await lstat(leftover).catch(() => undefined))?.isFile() === true)
      await rm(leftover).catch(() => undefined);
  }
}

/** Writes the whole file beside it (every block, those kept copied from the old file), then puts it in place. */
async function writeAnew(
  path: string,
  file: ResumeFile | undefined,
  header: ResumeHeader,
  plans: readonly PlannedEntry[],
): Promise<void> {
  const temporary = temporaryOf(path);
  const copy = (at: number, length: number): Buffer => {
    const bytes = Buffer.allocUnsafe(length);
    (file as ResumeFile).readAt(bytes, at);
    return bytes;
  };
  try {
    const handle = await open(temporary, 'wx');
    try {
      const start = Buffer.alloc(DATA_START);
      MAGIC.copy(start);
      start.writeUInt32LE(RESUME_FORMAT, MAGIC.length);
      const writer = new BlockWriter(handle, 0);
      writer.write([start]);
      const partners: unknown[] = [];
      let live = 0;
      for (const plan of plans) {
        let entry: Exclude<PlannedEntry, { saved: SavedEntry }>;
        if ('saved' in plan) {
          const refs = (file as ResumeFile).refsOf(plan.saved);
          if (E.isLeft(refs)) throw new Error(refs.left);
          const kept = <R>(ref: R) => ({ kept: ref });
          entry = {
            partnerId: plan.saved.partnerId,
            fields: refs.right.fields,
            sections: Object.fromEntries(
              recordKeys.map((key) => {
                const section = refs.right.sections[key];
                return [
                  key,
                  section === null ? null : { count: section.count, layers: section.layers.map(kept) },
                ];
              }),
            ) as never,
            extents: refs.right.extents.map(kept),
            was: refs.right,
          };
        } else entry = plan;
        const refs = written(writer, entry, copy);
        await writer.drain();
        live += entryBytes(refs);
        partners.push(entryJson(entry.partnerId, entry.fields, refs));
      }
      const root = rootBytes(header, live, partners);
      const rootAt = writer.write([root]);
      await writer.flush();
      await pointAt(handle, (file?.superblock.sequence ?? 0) + 1, root, rootAt, writer.position);
      // On disk before it takes the old file's name, and the name on disk after.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    await syncFolder(dirname(path));
  } catch (error) {
    // Nothing is left behind of a file not put in place.
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}
