/**
 * Moving fetched files into a download cache only once verified: fetches work in a scratch directory beside the
 * cache (same filesystem, so the final rename is atomic), every file's digest is checked before any is moved, and
 * scratch directories left by killed processes are removed. A file that fails its check is deleted, never kept.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isProcessAlive } from '../../cache/process-alive.ts';
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

/** SHA-256 of a file's bytes, hex. */
export const sha256OfFile = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** SHA-256 of a gzip file's decompressed bytes, hex (how the Fashion-MNIST constants are defined). */
export const sha256OfGunzipped = (file: string): string => createHash('sha256').update(gunzipSync(readFileSync(file))).digest('hex');

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

