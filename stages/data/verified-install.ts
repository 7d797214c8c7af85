/**
 * Moving fetched files into a download cache only once verified: fetches work in a scratch directory beside the
 * cache (same filesystem, so the final rename is atomic), every file's digest is checked before any is moved, and
 * scratch directories left by killed processes are removed. A file that fails its check is deleted, never kept.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isProcessAlive } from '../../cache/process-alive.ts';
import { readRegularFileSync } from '../../cache/safe-file.ts';
import { FileError } from '../../pipeline/errors.ts';
import { makeDirs } from '../../pipeline/make-dirs.ts';

/** A fetched file and where it goes once `digest(from)` equals `expected`. */
export interface PendingFile {
  from: string;
  to: string;
  expected: string;
  /** Hex digest of the file as the expected value is defined (e.g. of its decompressed bytes). */
  digest(file: string): string;
}

/** The largest file of a download cache read (Fashion-MNIST's largest is 26 MB), and the most its gzip expands to. */
const MAX_DOWNLOAD_BYTES = 512 << 20;
const MAX_GUNZIPPED_BYTES = 1 << 30;

/**
 * The bytes of a file in a download cache: a regular file (not a FIFO, device or link: cache/safe-file.ts), of at
 * most MAX_DOWNLOAD_BYTES; throws one line naming it otherwise.
 */
function readCachedFile(file: string): Buffer {
  const bytes = readRegularFileSync(file, { maxBytes: MAX_DOWNLOAD_BYTES });
  if (!bytes) throw new Error(`${file} does not exist`);
  return bytes;
}

/** SHA-256 of a gzip file's decompressed bytes, hex (how the Fashion-MNIST constants are defined). */
export const sha256OfGunzipped = (file: string): string =>
  createHash('sha256')
    .update(gunzipSync(readCachedFile(file), { maxOutputLength: MAX_GUNZIPPED_BYTES }))
    .digest('hex');

/** Checks every file, then renames each into place; on a mismatch deletes it and throws naming file and digests. */
export function installVerified(files: readonly PendingFile[]): void {
  for (const f of files) {
    let got: string;
    try {
      got = f.digest(f.from);
    } catch (err) {
      rmSync(f.from, { force: true });
      throw new Error(`${path.basename(f.to)}: unreadable (${(err as Error).message})`);
    }
    if (got !== f.expected) {
      rmSync(f.from, { force: true });
      throw new Error(`${path.basename(f.to)}: checksum mismatch (sha256 ${got}, expected ${f.expected}); not kept`);
    }
  }
  for (const f of files) {
    try {
      makeDirs(path.dirname(f.to));
      renameSync(f.from, f.to);
    } catch (err) {
      throw new FileError(f.to, err, 'downloads');
    }
  }
}

const SCRATCH_PREFIX = '.partial-';

/** A fresh scratch directory inside `dir` (created), named after this process so stale ones can be found. */
export function makeScratchDir(dir: string): string {
  const scratch = path.join(dir, `${SCRATCH_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    makeDirs(dir);
    removeStaleScratch(dir);
    mkdirSync(scratch);
  } catch (err) {
    throw new FileError(dir, err, 'downloads'); // the download cache: its advice names what moves it
  }
  return scratch;
}

/** Removes scratch directories in `dir` whose process is gone (a fetch killed half-way). */
export function removeStaleScratch(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (!name.startsWith(SCRATCH_PREFIX)) continue;
    const pid = Number(name.slice(SCRATCH_PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid)) rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}
