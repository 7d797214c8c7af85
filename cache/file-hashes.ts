/**
 * SHA-256 of input files (datasets) with a stat cache, as DVC and git do: (path, size, mtime, inode, device) →
 * sha256, kept in a small JSON file written atomically (temp file + rename). A file whose stat is unchanged is not
 * read again. An entry recorded within RACY_MS of the file's mtime is not trusted (the file may have changed again
 * within the same timestamp tick) and is re-hashed once more later.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';

/** Name of the stat cache file in a cache directory. */
export const FILE_HASHES = 'file-hashes.json';

/** Hashes one file (absolute path) to hex SHA-256. */
export type HashFile = (file: string) => string;

/** Hex SHA-256 of a file's bytes, read in chunks (datasets may be hundreds of MB). */
export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(4 << 20);
  const fd = openSync(file, 'r');
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** A file modified less than this long before its hash was recorded is hashed again next time. */
export const RACY_MS = 2000;

const FORMAT = 1;

interface StatEntry {
  size: string;
  mtimeNs: string;
  ino: string;
  dev: string;
  sha256: string;
  /** When the hash was computed (ms since the epoch). */
  hashedAtMs: number;
}

const isEntry = (e: unknown): e is StatEntry => {
  const r = e as Record<string, unknown> | null;
  return (
    r !== null &&
    typeof r === 'object' &&
    ['size', 'mtimeNs', 'ino', 'dev'].every((k) => typeof r[k] === 'string') &&
    typeof r.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(r.sha256) &&
    typeof r.hashedAtMs === 'number'
  );
};

/** File hashes with a stat cache; {@link FileHashCache.hash} is the {@link HashFile} to hand to the planner. */
export class FileHashCache {
  /** Files read and hashed, and hashes taken from the stat cache, since this object was made. */
  readonly counts = { hashed: 0, reused: 0 };
  private dirty = false;

  private constructor(
    /** The JSON file the stat cache lives in; undefined keeps it in memory only. */
    readonly file: string | undefined,
    private readonly entries: Map<string, StatEntry>,
  ) {}

  /** Loads the stat cache from `file` (a missing or unreadable file starts empty); without `file`, in memory only. */
  static load(file?: string): FileHashCache {
    const entries = new Map<string, StatEntry>();
    if (file && existsSync(file)) {
      try {
        const parsed = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown; entries?: Record<string, unknown> };
        if (parsed.format === FORMAT && parsed.entries && typeof parsed.entries === 'object') {
          for (const [p, e] of Object.entries(parsed.entries)) if (isEntry(e)) entries.set(p, e);
        }
      } catch {
        // A damaged stat cache only costs re-hashing: start empty.
      }
    }
    return new FileHashCache(file, entries);
  }

  /** The SHA-256 of `file` (made absolute), from the stat cache when its size, mtime, inode and device are unchanged. */
  hash = (file: string): string => {
    const abs = path.resolve(file);
    const st = statSync(abs, { bigint: true });
    if (!st.isFile()) throw Object.assign(new Error(`${abs}: expected a regular file`), { code: 'EISDIR', path: abs });
    const now = { size: String(st.size), mtimeNs: String(st.mtimeNs), ino: String(st.ino), dev: String(st.dev) };
    const known = this.entries.get(abs);
    const mtimeMs = Number(st.mtimeNs / 1_000_000n);
    if (
      known &&
      known.size === now.size &&
      known.mtimeNs === now.mtimeNs &&
      known.ino === now.ino &&
      known.dev === now.dev &&
      known.hashedAtMs - mtimeMs >= RACY_MS
    ) {
      this.counts.reused++;
      return known.sha256;
    }
    const sha256 = sha256File(abs);
    this.counts.hashed++;
    this.entries.set(abs, { ...now, sha256, hashedAtMs: Date.now() });
    this.dirty = true;
    return sha256;
  };

  /** Writes the stat cache if anything changed and its directory exists (temp file + rename: never half-written). */
  save(): void {
    if (!this.file || !this.dirty || !existsSync(path.dirname(this.file))) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    const entries = Object.fromEntries([...this.entries].sort(([a], [b]) => (a < b ? -1 : 1)));
    writeFileSync(tmp, `${JSON.stringify({ format: FORMAT, entries }, null, 1)}\n`);
    renameSync(tmp, this.file);
    this.dirty = false;
  }
}
