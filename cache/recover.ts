/**
 * `cache recover`: copies every entry of a damaged cache that still verifies into a fresh LMDB file (reading the
 * damaged one only in child processes), then swaps the fresh file in, keeping the old one beside it as
 * `cache.mdb.damaged-<timestamp>`. Runs with the cache held exclusively, so no other process has the file open.
 */
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CacheLock } from './cache-lock.ts';
import { CacheError } from './errors.ts';
import { checkLmdbFile } from './lmdb-check.ts';
import { salvageCache, type SalvageReport } from './salvage.ts';
import { CacheStore } from './store.ts';

/** What {@link recoverCache} did: the salvage walk, where the fresh cache is, and where the old file went. */
export interface RecoverReport extends SalvageReport {
  /** Directory of the cache that now holds the recovered entries. */
  recoveredDir: string;
  /** Where the damaged file was kept, when the fresh one replaced it in place. */
  damagedFile?: string;
}

/**
 * Recovers the cache in `dir`. With `out`, the fresh cache is written to that directory (new or empty) and `dir` is
 * left as it is; without, the fresh file replaces `dir/cache.mdb` atomically and the old one is kept aside.
 */
export async function recoverCache(dir: string, { out }: { out?: string } = {}): Promise<RecoverReport> {
  const file = CacheStore.dataFile(dir);
  if (!existsSync(file)) throw new CacheError(`no cache file at ${file}: nothing to recover`);
  const target = out ? path.resolve(out) : undefined;
  if (target && existsSync(target) && readdirSync(target).length > 0) {
    throw new CacheError(`--out ${target}: expected a new or empty directory, found one with files in it`);
  }
  const lock = CacheLock.exclusive(dir, 'cache recover');
  try {
    const targetDir = target ?? mkdtempSync(path.join(dir, '.recover-'));
    mkdirSync(targetDir, { recursive: true });
    const report = await salvageCache(dir, { targetDir });
    const fresh = CacheStore.dataFile(targetDir);
    if (!existsSync(fresh)) await CacheStore.open(targetDir, { lock: false }).close(); // nothing salvaged: an empty cache
    const check = checkLmdbFile(fresh);
    if (!check.ok) throw new CacheError(`the recovered file ${fresh} fails its own check (${check.problem}); ${file} was left as it was`);
    rmSync(`${fresh}-lock`, { force: true });
    if (target) return { ...report, recoveredDir: target };
    const damagedFile = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    linkSync(file, damagedFile); // keep the old file under a second name, then replace the first name atomically
    renameSync(fresh, file);
    rmSync(`${file}-lock`, { force: true }); // LMDB's reader table of the old file; no process has it open
    rmSync(targetDir, { recursive: true, force: true });
    return { ...report, recoveredDir: path.resolve(dir), damagedFile };
  } finally {
    lock.release();
  }
}
