/**
 * Checked file access for directories that others can write into: a cache remote, a node-local cache base, a download
 * cache, a Slurm log directory. Such a directory may hold, where a file belongs, a FIFO (opening it blocks for ever,
 * and a blocked open holds a libuv thread that even `process.exit` waits for), a symbolic link (to `/dev/zero`, or out
 * of the directory), a device or a directory. The rules, the same for every caller:
 *
 * - paths are taken under a root (the caller's real path of the directory), and no component below the root may be
 *   a symbolic link or anything but a directory;
 * - a file is opened with O_NOFOLLOW | O_NONBLOCK (so opening never blocks and never follows a link), then the open
 *   handle is fstat'ed and must be a regular file of an accepted size before anything is read;
 * - reads are bounded: at most the accepted size + 1 byte are read, in chunks, and an AbortSignal ends the wait at once;
 * - directories are created one component at a time, each with its parent's sharing bits (see {@link sharedDirMode}).
 *
 * Anything else is refused with an {@link UnexpectedFileError}: one line naming the path, what it is and what was
 * expected. (Between the checks of the parents and the open, a writer of the directory could still swap a parent for
 * a link; the final component is never followed.)
 */
import { chmodSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, readSync, statSync, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, readlink, stat, type FileHandle } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import path from 'node:path';

/** The setgid and sticky bits of a mode (not in fs.constants). */
const SETGID = 0o2000;
const STICKY = 0o1000;
/** Bytes per read call. */
const CHUNK = 8 << 20;
/** Open flags for reading a file that must not block, nor follow a final symbolic link. */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Something other than what was expected at a path: `message` is one line, `<file> <problem>`. */
export class UnexpectedFileError extends Error {
  /** `problem` reads after the path: `is a FIFO, expected a regular file`. */
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file} ${problem}`);
    this.name = 'UnexpectedFileError';
  }
}

/** What a file is, for messages: `a FIFO`, `a character device`, `a directory`, `a symbolic link`, `a regular file`. */
export function describeFileType(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'an unknown kind of file';
}

/** `is a symbolic link (to /dev/zero), expected a regular file`. */
function notExpected(file: string, stats: Stats, expected: string, target?: string): UnexpectedFileError {
  const to = target === undefined ? '' : ` (to ${target})`;
  return new UnexpectedFileError(
    file,
    `is ${describeFileType(stats)}${to}, expected ${expected}; sgd-noise reads and writes only plain files and directories there (remove it)`,
  );
}

/** The components of `file` strictly between `root` and `file` (the directories to check), absolute. */
function parentsBelow(root: string, file: string): string[] {
  const rel = path.relative(root, path.dirname(file));
  if (rel === '') return [];
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${file} is not under ${root}`);
  const dirs: string[] = [];
  let at = root;
  for (const part of rel.split(path.sep)) dirs.push((at = path.join(at, part)));
  return dirs;
}

/**
 * Checks that every directory between `root` (trusted, e.g. a real path) and `file` is a real directory; returns
 * false when one of them does not exist. Throws {@link UnexpectedFileError} for a symbolic link, and an ENOTDIR error
 * (as the system would) for anything else that is not a directory.
 * Example: `await assertNoSymlinks('/shared/remote', '/shared/remote/blobs/ab/ab12…')`.
 */
export async function assertNoSymlinks(root: string, file: string): Promise<boolean> {
  for (const dir of parentsBelow(root, file)) {
    let stats: Stats;
    try {
      stats = await lstat(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    if (stats.isSymbolicLink()) throw notExpected(dir, stats, 'a directory', await readlink(dir).catch(() => '?'));
    if (!stats.isDirectory()) throw notADirectory(dir);
  }
  return true;
}

/** {@link assertNoSymlinks}, synchronous (for callers on a timer that must not interleave). */
export function assertNoSymlinksSync(root: string, file: string): boolean {
  for (const dir of parentsBelow(root, file)) {
    let stats: Stats;
    try {
      stats = lstatSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    if (stats.isSymbolicLink()) throw notExpected(dir, stats, 'a directory', safeReadlinkSync(dir));
    if (!stats.isDirectory()) throw notADirectory(dir);
  }
  return true;
}

/** The error the system gives for a path through something that is not a directory (ENOTDIR), for the same handling. */
function notADirectory(dir: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOTDIR: not a directory, ${dir}`), { code: 'ENOTDIR', errno: -osConstants.errno.ENOTDIR, path: dir });
}

function safeReadlinkSync(file: string): string {
  try {
    return readlinkSync(file);
  } catch {
    return '?';
  }
}

/** Where the file is and what it may be. */
export interface OpenOptions {
  /** A trusted directory above the file; every component below it must be a real directory. Default: the file's own directory. */
  root?: string;
}

/**
 * Opens `file` for reading without blocking and without following a link, and returns the handle with its fstat
 * when it is a regular file; undefined when it (or a directory above it) does not exist. Throws
 * {@link UnexpectedFileError} for a link, FIFO, device or directory, and the errno error for other failures.
 * Example: `const opened = await openRegularFile(file, {root}); if (opened) try { … } finally { await opened.handle.close(); }`.
 */
export async function openRegularFile(file: string, opts: OpenOptions = {}): Promise<{ handle: FileHandle; stats: Stats } | undefined> {
  if (!(await assertNoSymlinks(opts.root ?? path.dirname(file), file))) return undefined;
  let handle: FileHandle;
  try {
    handle = await open(file, READ_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK') {
      const stats = await lstat(file);
      throw notExpected(file, stats, 'a regular file', stats.isSymbolicLink() ? await readlink(file).catch(() => '?') : undefined);
    }
    throw err;
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw notExpected(file, stats, 'a regular file');
  }
  return { handle, stats };
}

/** {@link openRegularFile}, synchronous: the file descriptor and its fstat, or undefined when it does not exist. */
export function openRegularFileSync(file: string, opts: OpenOptions = {}): { fd: number; stats: Stats } | undefined {
  if (!assertNoSymlinksSync(opts.root ?? path.dirname(file), file)) return undefined;
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK') {
      const stats = lstatSync(file);
      throw notExpected(file, stats, 'a regular file', stats.isSymbolicLink() ? safeReadlinkSync(file) : undefined);
    }
    throw err;
  }
  const stats = fstatSync(fd);
  if (!stats.isFile()) {
    closeSync(fd);
    throw notExpected(file, stats, 'a regular file');
  }
  return { fd, stats };
}

/** Bounds of a {@link readRegularFile}. */
export interface ReadOptions extends OpenOptions {
  /** The largest size accepted; a larger file is refused before anything is read. */
  maxBytes: number;
  /**
   * The exact size expected (e.g. a manifest's byte count), or undefined for any size up to `maxBytes`; `describe`
   * words the refusal of another size (default `has N bytes, expected M`).
   */
  exactBytes?: number;
  describeSize?: (actual: number, expected: number) => string;
  /** Ends the read (and the wait for a pending read call) at once, rejecting with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * The bytes of the regular file `file`, or undefined when it does not exist. Its size is checked (fstat) before
 * anything is read, and at most the accepted size + 1 byte are read (a file that grew meanwhile is refused too).
 * Throws {@link UnexpectedFileError} for something that is not a regular file of an accepted size.
 * Example: `await readRegularFile(blob, {root, maxBytes: ref.bytes, exactBytes: ref.bytes, signal})`.
 */
export async function readRegularFile(file: string, opts: ReadOptions): Promise<Buffer | undefined> {
  opts.signal?.throwIfAborted();
  const opened = await abortable(openRegularFile(file, opts), opts.signal, (o) => o?.handle.close());
  if (!opened) return undefined;
  const { handle, stats } = opened;
  const wrongSize = (size: number) => {
    if (opts.exactBytes !== undefined && size !== opts.exactBytes) {
      return new UnexpectedFileError(file, opts.describeSize?.(size, opts.exactBytes) ?? `has ${size} bytes, expected ${opts.exactBytes}`);
    }
    if (size > opts.maxBytes) return new UnexpectedFileError(file, `has ${size} bytes, more than the ${opts.maxBytes} accepted`);
    return undefined;
  };
  const before = wrongSize(stats.size);
  if (before) {
    await handle.close();
    throw before;
  }
  const limit = Math.min(opts.maxBytes, opts.exactBytes ?? opts.maxBytes) + 1;
  const reading = (async () => {
    try {
      const buf = Buffer.allocUnsafe(Math.min(limit, stats.size + 1));
      let got = 0;
      for (;;) {
        opts.signal?.throwIfAborted();
        if (got === buf.length) break;
        const { bytesRead } = await handle.read(buf, got, Math.min(CHUNK, buf.length - got), got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const grown = got === buf.length && got > stats.size ? got : undefined;
      if (grown !== undefined)
        throw new UnexpectedFileError(
          file,
          `grew while being read (now more than ${stats.size} bytes); it is being written by something that is not sgd-noise`,
        );
      return buf.subarray(0, got);
    } finally {
      await handle.close();
    }
  })();
  return abortable(reading, opts.signal);
}

/**
 * `work`, or a rejection with the signal's reason as soon as `signal` aborts (the work goes on in the background and
 * its result, if any, is given to `discard`).
 */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, discard?: (value: T) => unknown): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      settled = true;
      reject(signal.reason);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (settled) void Promise.resolve(discard?.(value)).catch(() => undefined);
        else resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!settled) reject(err);
      },
    );
  });
}

/**
 * The mode for a new directory under a parent of mode `parentMode`, from the mode mkdir gave it (`createdMode`, the
 * umask applied): the parent's group and other permission bits are added, and its setgid and sticky bits copied, so
 * that a directory every member of a group (or everyone, 1777) may write keeps its subdirectories so. Never removes
 * a bit the umask allowed. Example: `sharedDirMode(0o2770, 0o755)` → `0o2775`; `sharedDirMode(0o1777, 0o700)` → `0o1777`.
 */
export function sharedDirMode(parentMode: number, createdMode: number): number {
  return (createdMode & 0o777) | (parentMode & 0o077) | (parentMode & (SETGID | STICKY));
}

/**
 * The mode for a new read-only file in a directory of mode `dirMode`, from the mode open gave it (`createdMode`, the
 * umask applied): readable by the group and others where they may read the directory. Example:
 * `sharedFileMode(0o2770, 0o400)` → `0o440`.
 */
export function sharedFileMode(dirMode: number, createdMode: number): number {
  return (createdMode & 0o777) | (dirMode & 0o044);
}

/**
 * Creates the directories of `rel` under `root` (which must exist; give its real path), one component at a time, and
 * returns the last one's path and stats. A component that exists must be a real directory (not a link: refused with
 * {@link UnexpectedFileError}); one this call creates gets {@link sharedDirMode} of its parent. Errno errors (EACCES,
 * EROFS, ENOSPC) are thrown as they are. Example: `await mkdirUnder('/shared/remote', 'blobs/ab')`.
 */
export async function mkdirUnder(root: string, rel: string): Promise<{ dir: string; stats: Stats }> {
  let dir = root;
  let stats = await stat(root);
  for (const part of componentsBelow(root, rel)) {
    const parentMode = stats.mode;
    dir = path.join(dir, part);
    const created = await mkdir(dir, 0o777).then(() => true, existingOk);
    stats = await lstat(dir);
    if (!stats.isDirectory()) throw notExpected(dir, stats, 'a directory', stats.isSymbolicLink() ? await readlink(dir).catch(() => '?') : undefined);
    const wanted = modeToSet(created, parentMode, stats);
    if (wanted !== undefined) {
      await chmod(dir, wanted);
      stats = await lstat(dir);
    }
  }
  return { dir, stats };
}

/** {@link mkdirUnder}, synchronous. */
export function mkdirUnderSync(root: string, rel: string): { dir: string; stats: Stats } {
  let dir = root;
  let stats = statSync(root);
  for (const part of componentsBelow(root, rel)) {
    const parentMode = stats.mode;
    dir = path.join(dir, part);
    let created: boolean;
    try {
      mkdirSync(dir, 0o777);
      created = true;
    } catch (err) {
      created = existingOk(err);
    }
    stats = lstatSync(dir);
    if (!stats.isDirectory()) throw notExpected(dir, stats, 'a directory', stats.isSymbolicLink() ? safeReadlinkSync(dir) : undefined);
    const wanted = modeToSet(created, parentMode, stats);
    if (wanted !== undefined) {
      chmodSync(dir, wanted);
      stats = lstatSync(dir);
    }
  }
  return { dir, stats };
}

/** The components of `rel`, which must stay below `root` (no `.` or `..`). */
function componentsBelow(root: string, rel: string): string[] {
  const parts = rel.split(/[\\/]+/).filter(Boolean);
  if (parts.some((part) => part === '..' || part === '.')) throw new Error(`mkdirUnder: '${rel}' must stay below ${root}`);
  return parts;
}

/** For a failed mkdir: false (not created) when the directory was already there; any other error is thrown. */
function existingOk(err: unknown): false {
  if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  return false;
}

/** The mode a directory this call just created must be given (its parent's sharing bits), or undefined for none. */
function modeToSet(created: boolean, parentMode: number, stats: Stats): number | undefined {
  const wanted = sharedDirMode(parentMode, stats.mode);
  return created && wanted !== (stats.mode & 0o7777) ? wanted : undefined;
}

/**
 * Creates `dir` and whichever of its parents are missing, each new one with {@link sharedDirMode} of its parent, and
 * returns `dir`. The existing part of the path is taken as named (a link there is the user's choice); what this
 * creates, and `dir` itself, must be real directories. Example: `mkdirSharedSync('/shared/remote/slurm-logs/run-1')`.
 */
export function mkdirSharedSync(dir: string): string {
  const target = path.resolve(dir);
  let existing = target;
  for (;;) {
    try {
      statSync(existing);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(existing) === existing) throw err;
      existing = path.dirname(existing);
    }
  }
  if (existing === target) {
    const stats = lstatSync(target);
    if (!stats.isDirectory()) throw notExpected(target, stats, 'a directory', stats.isSymbolicLink() ? safeReadlinkSync(target) : undefined);
    return target;
  }
  mkdirUnderSync(existing, path.relative(existing, target));
  return target;
}

/**
 * {@link readRegularFile}, synchronous and without a signal: the bytes of the regular file `file` (refused, before
 * reading, when larger than `maxBytes`), or undefined when it does not exist. For small local files read at startup.
 * Example: `readRegularFileSync(path.join(downloadDir, 'train-images-idx3-ubyte.gz'), {maxBytes: 256 << 20})`.
 */
export function readRegularFileSync(file: string, opts: OpenOptions & { maxBytes: number }): Buffer | undefined {
  const opened = openRegularFileSync(file, opts);
  if (!opened) return undefined;
  const { fd, stats } = opened;
  try {
    if (stats.size > opts.maxBytes) throw new UnexpectedFileError(file, `has ${stats.size} bytes, more than the ${opts.maxBytes} accepted`);
    const buf = Buffer.allocUnsafe(stats.size + 1);
    let got = 0;
    for (;;) {
      if (got === buf.length) break;
      const n = readSync(fd, buf, got, Math.min(CHUNK, buf.length - got), got);
      if (n === 0) break;
      got += n;
    }
    if (got > stats.size)
      throw new UnexpectedFileError(file, `grew while being read (now more than ${stats.size} bytes); it is being written by something that is not sgd-noise`);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
