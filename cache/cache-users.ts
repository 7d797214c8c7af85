/**
 * Who uses a cache directory, by pid: every process that opens the cache leaves `cache.users/<pid>`. The markers
 * let a refusal name who holds the cache, and they are the second check of `gc` and `recover` besides the locks:
 * a marker whose process is alive and has the cache's files open counts as a user even when someone deleted the
 * lock files. A marker of a dead process, or of a live one that holds none of the cache's files (its pid was
 * reused), is stale and removed.
 */
import { mkdirSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from './process-alive.ts';

/** The directory of the markers, beside `cache.mdb`. */
export const USERS_DIR = 'cache.users';
/** Files whose open descriptor in a process means that process uses the cache. */
const CACHE_FILES = ['cache.mdb', 'cache.lock', 'cache.mdb-lock'];

/** Markers this process wrote, removed at exit by one listener. */
const liveMarkers = new Set<string>();
process.once('exit', () => {
  for (const marker of liveMarkers) rmSync(marker, { force: true });
});

/** Path of this process's marker in the cache `dir`. */
export function markerOf(dir: string, pid = process.pid): string {
  return path.join(dir, USERS_DIR, String(pid));
}

/**
 * Writes (or rewrites, when someone deleted it) this process's marker; returns false where it cannot be written
 * (a full or read-only disk: the locks still protect the cache, and the cache's own writes report the cause).
 */
export function registerUser(dir: string): boolean {
  const marker = markerOf(dir);
  try {
    mkdirSync(path.dirname(marker), { recursive: true });
    writeFileSync(marker, `${process.argv.slice(1).join(' ')}\n`);
    liveMarkers.add(marker);
    return true;
  } catch {
    try {
      rmSync(marker, { force: true });
    } catch {
      // nothing was written
    }
    return false;
  }
}

/** Whether this process's marker is still there (false also when it was never written). */
export function isRegistered(dir: string): boolean {
  return liveMarkers.has(markerOf(dir)) && existsSync(markerOf(dir));
}

/** Removes this process's marker. */
export function unregisterUser(dir: string): void {
  const marker = markerOf(dir);
  liveMarkers.delete(marker);
  rmSync(marker, { force: true });
}

/** Pids (other than this process) with a marker in `dir`, alive or not, sorted. */
export function markedPids(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(path.join(dir, USERS_DIR));
  } catch {
    return [];
  }
  return names
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid)
    .sort((a, b) => a - b);
}

/** Live processes other than this one that registered as users of the cache in `dir` (no marker is removed). */
export function otherUsers(dir: string): number[] {
  return markedPids(dir).filter(isProcessAlive);
}

/**
 * The processes that use the cache in `dir` by their markers: alive, and holding one of the cache's files open
 * (where /proc can tell; where it cannot, alive is enough). Removes every stale marker on the way.
 */
export function liveUsers(dir: string): number[] {
  const users: number[] = [];
  for (const pid of markedPids(dir)) {
    if (isProcessAlive(pid) && holdsCacheFiles(pid, dir) !== false) users.push(pid);
    else rmSync(markerOf(dir, pid), { force: true });
  }
  return users;
}

/**
 * Whether process `pid` has one of the cache's files open (deleted ones included), read from /proc/PID/fd;
 * undefined where that cannot be read (no /proc, another user's process without privilege).
 */
export function holdsCacheFiles(pid: number, dir: string): boolean | undefined {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    real = path.resolve(dir);
  }
  const names = new Set(CACHE_FILES.flatMap((f) => [path.join(real, f), `${path.join(real, f)} (deleted)`]));
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      if (names.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}
