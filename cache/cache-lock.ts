/**
 * Who is using a cache directory. Every process that opens the cache holds a shared lock for as long as it has the
 * file open; `gc` and `recover`, which replace the file, need it exclusively and so cannot pull the file from under a
 * running process. The locks are Linux OFD / BSD locks (fs-native-extensions), which the kernel drops when a process
 * dies, so a `kill -9` never leaves a stale lock.
 *
 * The lock is taken on two files: `cache.lock`, and `cache.mdb` itself. Deleting "stale" lock files is a common
 * reflex; a lock on a deleted `cache.lock` protects nothing, but nobody deletes the data file and expects the cache
 * to survive, so the lock on `cache.mdb` still keeps `gc` out. After each lock is taken, the inode of the path is
 * compared with the locked descriptor's (a file replaced meanwhile, e.g. by a `gc` that just finished, is opened
 * again). The exclusive operations also refuse while a live process's `cache.users/<pid>` marker says it has the
 * cache open (cache-users.ts). A holder checks its files every second and before each commit: a replaced
 * `cache.lock` is taken again with one line on stderr; a replaced `cache.mdb` or LMDB lock file (`cache.mdb-lock`)
 * stops further commits, since another process may now write the file without LMDB's writer lock.
 */
import { closeSync, fstatSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import fsx from 'fs-native-extensions';
import { isRegistered, liveUsers, otherUsers, registerUser, unregisterUser } from './cache-users.ts';
import { CacheError } from './errors.ts';

export { otherUsers } from './cache-users.ts';

const LOCK_FILE = 'cache.lock';
const DATA_FILE = 'cache.mdb';
const LMDB_LOCK_FILE = 'cache.mdb-lock';
/** How often a holder compares its locked files with what their paths now name. */
export const LOCK_CHECK_INTERVAL_MS = 1000;

type Mode = 'shared' | 'exclusive';

/** Thrown when the cache is needed exclusively while other processes use it. */
export class CacheBusyError extends CacheError {
  /** Names the directory, what was wanted and the other processes. */
  constructor(
    readonly dir: string,
    readonly purpose: string,
    readonly pids: number[],
  ) {
    super(`another sgd-noise process (${describe(pids)}) is using this cache (${dir}); ${purpose} needs it alone: wait until that process ends, then retry`);
  }
}

/** Thrown before a commit when the cache file or LMDB's lock file was deleted or replaced while this process used it. */
export class CacheFilesReplacedError extends CacheError {
  /** Names the file and what to do. */
  constructor(readonly file: string) {
    super(
      `${file} was deleted or replaced while this process had the cache open; stopped writing to it (another process could now write the file without LMDB's writer lock). Rerun: entries committed so far are kept. Never delete a cache's files while sgd-noise uses it`,
    );
  }
}

/** One locked file: its path, descriptor, identity (device and inode) and lock mode. */
interface HeldFile {
  file: string;
  fd: number;
  id: string;
  mode: Mode;
}

/** A held lock on a cache directory; `release` (or process exit) gives it up. */
export class CacheLock {
  private lockFile: HeldFile | undefined;
  private dataFile: HeldFile | undefined;
  /** Identity of LMDB's lock file when the environment was opened (see {@link noteLmdbLockFile}). */
  private lmdbLockId: string | undefined;
  /** The first replaced file found, kept so that every later commit refuses too. */
  private replaced: string | undefined;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    readonly dir: string,
    lockFile: HeldFile,
    dataFile: HeldFile,
  ) {
    this.lockFile = lockFile;
    this.dataFile = dataFile;
    registerUser(dir);
    this.timer = setInterval(() => this.check(), LOCK_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * Takes the cache's lock shared, waiting (with a line on stderr) while a `gc` or `recover` holds it exclusively.
   * Every process that opens the cache holds this for as long as it has the file open.
   */
  static shared(dir: string): CacheLock {
    let warned = false;
    const onWait = () => {
      if (warned) return;
      warned = true;
      process.stderr.write(`waiting for another sgd-noise process (${describe(otherUsers(dir))}) to finish rewriting the cache ${dir}...\n`);
    };
    const lockFile = lockPath(path.join(dir, LOCK_FILE), 'shared', onWait)!;
    let dataFile: HeldFile;
    try {
      dataFile = lockPath(path.join(dir, DATA_FILE), 'shared', onWait)!;
    } catch (err) {
      closeSync(lockFile.fd);
      throw err;
    }
    return new CacheLock(dir, lockFile, dataFile);
  }

  /** Takes the cache's lock exclusively or throws {@link CacheBusyError} naming the processes that use it. */
  static exclusive(dir: string, purpose: string): CacheLock {
    const lockFile = lockPath(path.join(dir, LOCK_FILE), 'exclusive');
    const dataFile = lockFile && lockPath(path.join(dir, DATA_FILE), 'exclusive');
    const users = dataFile ? liveUsers(dir) : [];
    if (!lockFile || !dataFile || users.length > 0) {
      if (lockFile) closeSync(lockFile.fd);
      if (dataFile) closeSync(dataFile.fd);
      throw new CacheBusyError(dir, purpose, users.length > 0 ? users : otherUsers(dir));
    }
    return new CacheLock(dir, lockFile, dataFile);
  }

  /**
   * Turns this process's shared lock into an exclusive one for `purpose`, or throws {@link CacheBusyError} (keeping
   * the shared lock) when another process holds the cache, by its locks or by a live marker.
   */
  upgrade(purpose: string): void {
    this.check();
    this.assertIntact();
    const held = [this.requireHeld('lockFile'), this.requireHeld('dataFile')];
    for (const h of held) {
      if (h.mode === 'exclusive') continue;
      if (fsx.tryUpgradeLock(h.fd)) {
        h.mode = 'exclusive';
        continue;
      }
      fsx.waitForLockSync(h.fd, { shared: true }); // a failed upgrade may drop the shared lock: take it back
      this.downgrade();
      throw new CacheBusyError(this.dir, purpose, otherUsers(this.dir));
    }
    const users = liveUsers(this.dir);
    if (users.length > 0) {
      this.downgrade();
      throw new CacheBusyError(this.dir, purpose, users);
    }
  }

  /** Goes back from exclusive to shared (after a gc). */
  downgrade(): void {
    for (const h of [this.lockFile, this.dataFile]) {
      if (h === undefined || h.mode === 'shared') continue;
      fsx.waitForDowngradeLockSync(h.fd);
      h.mode = 'shared';
    }
  }

  /**
   * Locks the data file again after this process replaced it (gc's compaction renames a fresh file over it): the
   * lock on the old file protects nothing now. Taken shared; an exclusive holder calls {@link downgrade} next.
   */
  relockDataFile(): void {
    const old = this.requireHeld('dataFile');
    this.dataFile = lockPath(old.file, 'shared')!;
    closeSync(old.fd);
  }

  /** Records which LMDB lock file the environment just opened uses, so that its replacement is noticed. */
  noteLmdbLockFile(): void {
    this.lmdbLockId = identity(path.join(this.dir, LMDB_LOCK_FILE));
  }

  /**
   * Compares each locked file with what its path now names: a deleted or replaced `cache.lock` is locked again (with
   * one line on stderr) and a deleted marker rewritten; a replaced `cache.mdb` or `cache.mdb-lock` is reported once
   * and makes {@link assertIntact} throw from then on.
   */
  check(): void {
    if (this.lockFile === undefined || this.dataFile === undefined || this.replaced !== undefined) return;
    const lock = this.lockFile;
    if (identity(lock.file) !== lock.id) {
      const again = lockPath(lock.file, lock.mode);
      if (again) {
        closeSync(lock.fd);
        this.lockFile = again;
        process.stderr.write(
          `sgd-noise: the lock file ${lock.file} was deleted or replaced while this process (pid ${process.pid}) used the cache; locked it again (the lock on ${DATA_FILE} kept the cache safe meanwhile)\n`,
        );
      }
    }
    if (!isRegistered(this.dir)) registerUser(this.dir);
    const data = this.dataFile;
    const lmdbLock = path.join(this.dir, LMDB_LOCK_FILE);
    const replaced =
      identity(data.file) !== data.id ? data.file : this.lmdbLockId !== undefined && identity(lmdbLock) !== this.lmdbLockId ? lmdbLock : undefined;
    if (replaced !== undefined) {
      this.replaced = replaced;
      process.stderr.write(`sgd-noise: ${new CacheFilesReplacedError(replaced).message}\n`);
    }
  }

  /** Throws {@link CacheFilesReplacedError} when the cache file or LMDB's lock file was replaced under this process. */
  assertIntact(): void {
    if (this.replaced === undefined) this.check();
    if (this.replaced !== undefined) throw new CacheFilesReplacedError(this.replaced);
  }

  /** Gives the lock up. */
  release(): void {
    clearInterval(this.timer);
    for (const h of [this.lockFile, this.dataFile]) {
      if (h === undefined) continue;
      fsx.unlock(h.fd);
      closeSync(h.fd);
    }
    if (this.lockFile !== undefined) unregisterUser(this.dir);
    this.lockFile = undefined;
    this.dataFile = undefined;
  }

  private requireHeld(which: 'lockFile' | 'dataFile'): HeldFile {
    const h = this[which];
    if (h === undefined) throw new Error(`the lock on ${this.dir} was released`);
    return h;
  }
}

/** "DEV:INO" of the file at `file`, or undefined when there is none. */
function identity(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** How many times a file replaced between opening and locking it is opened again before giving up. */
const REOPEN_TRIES = 20;

/**
 * Opens `file` (creating it) and locks it in `mode`: waiting when `onWait` is given (called before the first wait),
 * else returning undefined when another process holds it. Re-opens when the path names another file once locked.
 */
function lockPath(file: string, mode: Mode, onWait?: () => void): HeldFile | undefined {
  mkdirSync(path.dirname(file), { recursive: true });
  for (let i = 0; i < REOPEN_TRIES; i++) {
    const fd = openSync(file, 'a+');
    if (!fsx.tryLock(fd, { shared: mode === 'shared' })) {
      if (!onWait) {
        closeSync(fd);
        return undefined;
      }
      onWait();
      fsx.waitForLockSync(fd, { shared: mode === 'shared' });
    }
    const s = fstatSync(fd);
    const id = `${s.dev}:${s.ino}`;
    if (identity(file) === id) return { file, fd, id, mode };
    closeSync(fd); // replaced (gc's compaction, recover's swap, a deleted lock file) while we waited: lock the new one
  }
  throw new CacheError(`${file} keeps being replaced while this process tries to lock it; retry when no other sgd-noise process is rewriting the cache`);
}

function describe(pids: number[]): string {
  return pids.length > 0 ? `pid ${pids.join(', ')}` : 'pid unknown';
}
