/**
 * Who is using a cache directory. Every process that opens the cache holds a shared lock on `cache.lock` beside
 * `cache.mdb` for as long as it has the file open; `gc` and `recover`, which replace the file, need the lock
 * exclusively and so cannot pull the file from under a running process. The locks are Linux OFD / BSD locks
 * (fs-native-extensions), which the kernel drops when a process dies, so a `kill -9` never leaves a stale lock.
 * Each holder also leaves `cache.users/<pid>` so that a refusal can name who holds the cache.
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fsx from 'fs-native-extensions';
import { CacheError } from './errors.ts';
import { isProcessAlive } from './process-alive.ts';

const LOCK_FILE = 'cache.lock';
const USERS_DIR = 'cache.users';
/** Markers of the locks this process holds, removed at exit by one listener. */
const liveMarkers = new Set<string>();
process.once('exit', () => {
  for (const marker of liveMarkers) rmSync(marker, { force: true });
});

/** Thrown when the cache is needed exclusively while other processes use it. */
export class CacheBusyError extends CacheError {
  /** Names the directory, what was wanted and the other processes. */
  constructor(
    readonly dir: string,
    readonly purpose: string,
    readonly pids: number[],
  ) {
    const who = pids.length > 0 ? `pid ${pids.join(', ')}` : 'pid unknown';
    super(`another sgd-noise process (${who}) is using this cache (${dir}); ${purpose} needs it alone: wait until that process ends, then retry`);
  }
}

/** A held lock on a cache directory; `release` (or process exit) gives it up. */
export class CacheLock {
  private fd: number | undefined;
  private mode: 'shared' | 'exclusive';
  private readonly marker: string;

  private constructor(
    readonly dir: string,
    fd: number,
    mode: 'shared' | 'exclusive',
  ) {
    this.fd = fd;
    this.mode = mode;
    this.marker = path.join(dir, USERS_DIR, String(process.pid));
    // The marker only lets a refusal name who holds the cache; the lock itself is what protects it. On a full or
    // read-only disk the marker cannot be written, and that must not stop the run (its own write reports the cause).
    try {
      mkdirSync(path.dirname(this.marker), { recursive: true });
      writeFileSync(this.marker, `${process.argv.slice(1).join(' ')}\n`);
      liveMarkers.add(this.marker);
    } catch {
      try {
        rmSync(this.marker, { force: true });
      } catch {
        // nothing was written
      }
    }
  }

  /**
   * Takes the cache's lock shared, waiting (with a line on stderr) while a `gc` or `recover` holds it exclusively.
   * Every process that opens the cache holds this for as long as it has the file open.
   */
  static shared(dir: string): CacheLock {
    const fd = openLockFile(dir);
    if (!fsx.tryLock(fd, { shared: true })) {
      process.stderr.write(`waiting for another sgd-noise process (${describe(otherUsers(dir))}) to finish rewriting the cache ${dir}...\n`);
      fsx.waitForLockSync(fd, { shared: true });
    }
    return new CacheLock(dir, fd, 'shared');
  }

  /** Takes the cache's lock exclusively or throws {@link CacheBusyError} naming the processes that use it. */
  static exclusive(dir: string, purpose: string): CacheLock {
    const fd = openLockFile(dir);
    if (!fsx.tryLock(fd)) {
      closeSync(fd);
      throw new CacheBusyError(dir, purpose, otherUsers(dir));
    }
    return new CacheLock(dir, fd, 'exclusive');
  }

  /**
   * Turns this process's shared lock into an exclusive one for `purpose`, or throws {@link CacheBusyError} (keeping
   * the shared lock) when another process holds the cache.
   */
  upgrade(purpose: string): void {
    if (this.mode === 'exclusive') return;
    const fd = this.requireFd();
    if (fsx.tryUpgradeLock(fd)) {
      this.mode = 'exclusive';
      return;
    }
    fsx.waitForLockSync(fd, { shared: true }); // a failed upgrade drops the shared lock: take it back
    throw new CacheBusyError(this.dir, purpose, otherUsers(this.dir));
  }

  /** Goes back from exclusive to shared (after a gc). */
  downgrade(): void {
    if (this.mode === 'shared') return;
    fsx.waitForDowngradeLockSync(this.requireFd());
    this.mode = 'shared';
  }

  /** Gives the lock up. */
  release(): void {
    if (this.fd === undefined) return;
    fsx.unlock(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
    liveMarkers.delete(this.marker);
    rmSync(this.marker, { force: true });
  }

  private requireFd(): number {
    if (this.fd === undefined) throw new Error(`the lock on ${this.dir} was released`);
    return this.fd;
  }
}

/** Live processes other than this one that registered as users of the cache in `dir`. */
export function otherUsers(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(path.join(dir, USERS_DIR));
  } catch {
    return [];
  }
  return names
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid))
    .sort((a, b) => a - b);
}

function openLockFile(dir: string): number {
  mkdirSync(dir, { recursive: true });
  return openSync(path.join(dir, LOCK_FILE), 'a+');
}


function describe(pids: number[]): string {
  return pids.length > 0 ? `pid ${pids.join(', ')}` : 'pid unknown';
}
