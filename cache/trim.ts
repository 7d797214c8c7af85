/**
 * Giving back the space of failed writes. A write transaction that fails on a full disk has already extended
 * `cache.mdb` with its pages, and LMDB files never shrink: the file keeps the size it reached. Those pages lie after
 * the last page the newest meta page names, and no committed tree reaches them, so the file can be truncated to its
 * committed length in place, which needs no free space (unlike compaction, which writes a copy beside the file).
 * Only while no process has the environment open: callers hold the cache exclusively and have closed their own.
 */
import { statSync, truncateSync } from 'node:fs';
import { committedBytes } from './lmdb-check.ts';

/** What {@link trimUncommittedTail} did, in bytes. */
export interface TrimReport {
  before: number;
  after: number;
}

/** Bytes of `file` past its committed length (0 when none, or when its meta pages cannot be trusted). */
export function uncommittedTailBytes(file: string): number {
  const committed = committedBytes(file);
  if (committed === undefined) return 0;
  return Math.max(0, statSync(file).size - committed);
}

/** Truncates `file` to its committed length; a no-op when nothing lies beyond it. */
export function trimUncommittedTail(file: string): TrimReport {
  const before = statSync(file).size;
  const committed = committedBytes(file);
  if (committed === undefined || committed >= before) return { before, after: before };
  truncateSync(file, committed);
  return { before, after: committed };
}
