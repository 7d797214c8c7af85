/**
 * Errors by kind: what the command line prints for any thrown value, and with which exit code. Filesystem and LMDB
 * errors (numeric or string `code`) become one line naming the file, the cause and what to do; usage and
 * configuration errors exit with 2; anything else prints its message, and its stack trace only with `--debug`.
 */
import { statfsSync } from 'node:fs';
import path from 'node:path';
import { errorCodeName, unwrapCommitFailure } from '../cache/lmdb-errors.ts';

/** A usage error: printed without a stack, exit code 2. */
export class UsageError extends Error {}

/** An error of a file the command was working on, with that file's path (for errors that carry none). */
export class FileError extends Error {
  /** Wraps `cause`, naming `file`. */
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(describeFileError(cause, file) ?? `${file}: ${messageOf(cause)}`, { cause });
  }
}

interface Known {
  cause: string;
  advice: string;
  /** A bad path given by the user: exit code 2. */
  usage?: boolean;
}

const FREE_SPACE = 'free space on that filesystem (`sgd-noise gc` drops entries the config no longer reaches) or move the cache with --cache DIR';
const DAMAGED = 'move the file aside and rerun (its entries are recomputed)';

/** Causes and remedies by error code. */
const KNOWN: Readonly<Record<string, Known>> = {
  ENOSPC: { cause: 'no space left on device', advice: FREE_SPACE },
  EDQUOT: { cause: 'disk quota exceeded', advice: FREE_SPACE },
  EFBIG: { cause: 'file too large for this filesystem', advice: 'move the cache with --cache DIR' },
  EROFS: { cause: 'read-only file system', advice: 'put the cache on a writable filesystem with --cache DIR or $SGD_NOISE_CACHE' },
  EACCES: { cause: 'permission denied', advice: 'fix its permissions or choose another directory with --cache DIR' },
  EPERM: { cause: 'operation not permitted', advice: 'fix its permissions or choose another directory with --cache DIR' },
  ENOTDIR: { cause: 'a component of the path is not a directory', advice: 'pass a directory path', usage: true },
  ENOENT: { cause: 'no such file or directory', advice: 'check the path', usage: true },
  EISDIR: { cause: 'is a directory, not a file', advice: 'pass a file path', usage: true },
  ENAMETOOLONG: { cause: 'file name too long', advice: 'use a shorter path', usage: true },
  EIO: { cause: 'input/output error', advice: 'check the disk (dmesg) and the free space on it' },
  EMFILE: { cause: 'too many open files', advice: 'raise the limit (ulimit -n)' },
  MDB_MAP_FULL: { cause: 'the cache file reached its maximum map size', advice: 'run `sgd-noise gc`, or move the cache with --cache DIR' },
  MDB_CORRUPTED: { cause: 'the cache file is damaged (a page has the wrong type)', advice: DAMAGED },
  MDB_PAGE_NOTFOUND: { cause: 'the cache file is damaged (a page is missing)', advice: DAMAGED },
  MDB_INVALID: { cause: 'not a valid LMDB file', advice: DAMAGED },
  MDB_PANIC: { cause: 'LMDB hit a fatal error (a meta page update failed)', advice: DAMAGED },
  MDB_BAD_CHECKSUM: { cause: 'the cache file is damaged (bad page checksum)', advice: DAMAGED },
  MDB_VERSION_MISMATCH: { cause: 'the cache file was written by an incompatible LMDB version', advice: DAMAGED },
  MDB_READERS_FULL: { cause: 'too many processes have the cache open', advice: 'wait for other sgd-noise processes to finish' },
};

/** Below this many free bytes, an I/O error while writing is taken for a full disk. */
const NEARLY_FULL_BYTES = 1 << 20;

/** The message of any thrown value: an Error's message, a string, or its JSON / String form. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name || 'unknown error';
  if (typeof err === 'string') return err;
  if (err !== null && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') return (err as { message: string }).message;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/** Free bytes for unprivileged users on the filesystem holding `file` (its nearest existing ancestor); undefined if unknown. */
export function freeBytesAt(file: string): number | undefined {
  for (let dir = path.resolve(file); ; dir = path.dirname(dir)) {
    try {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    } catch {
      if (dir === path.dirname(dir)) return undefined;
    }
  }
}

/** "FILE: no space left on device (ENOSPC: N bytes free)" when the filesystem holding `file` is nearly full. */
export function diskFullNote(file: string): string | undefined {
  const free = freeBytesAt(file);
  if (free === undefined || free >= NEARLY_FULL_BYTES) return undefined;
  return `${file}: ${KNOWN.ENOSPC!.cause} (ENOSPC: ${free} bytes free); ${KNOWN.ENOSPC!.advice}`;
}

/** The message for an unexpected failure of a stage: a file error's one line (LMDB's named as `file`), else its message. */
export async function failureMessage(err: unknown, file: string): Promise<string> {
  const cause = await unwrapCommitFailure(err);
  return describeFileError(cause, file) ?? messageOf(cause);
}

/**
 * One line for a filesystem or LMDB error: "FILE: CAUSE (CODE); ADVICE", or undefined when `err` has no known code.
 * `file` names the file when the error does not (LMDB's errors never do). An I/O error, or a commit failure without
 * a cause, on a nearly full filesystem is reported as ENOSPC with the free space.
 */
export function describeFileError(err: unknown, file?: string): string | undefined {
  let code = errorCodeName(err);
  const where = ((err as { path?: unknown } | null)?.path as string | undefined) ?? file;
  if ((code === 'EIO' || code === undefined) && where !== undefined && (code === 'EIO' || /commit failed/i.test(messageOf(err)))) {
    const free = freeBytesAt(where);
    if (free !== undefined && free < NEARLY_FULL_BYTES) {
      const k = KNOWN.ENOSPC!;
      return `${where}: ${k.cause} (ENOSPC: ${free} bytes free; the write failed with ${code ?? messageOf(err)}); ${k.advice}`;
    }
  }
  if (code === undefined) return undefined;
  const known = KNOWN[code];
  const cause = known?.cause ?? messageOf(err);
  const advice = known?.advice ?? (code.startsWith('MDB_') ? DAMAGED : undefined);
  code = known ? code : `${code}: ${messageOf(err)}`;
  return `${where ?? '(file unknown)'}: ${cause} (${code})${advice ? `; ${advice}` : ''}`;
}

/** Whether a filesystem error means a bad path from the user (exit code 2) rather than a failure (1). */
export function isBadPath(err: unknown): boolean {
  const code = errorCodeName(err instanceof FileError ? err.cause : err);
  return code !== undefined && KNOWN[code]?.usage === true;
}

/** What to print for an error and the exit code. */
export interface ErrorReport {
  message: string;
  exitCode: number;
}

/** Whether `err` is one the user caused with a bad argument or configuration (named classes or parseArgs codes). */
export type UsageCheck = (err: unknown) => boolean;

/**
 * The message and exit code for any thrown value: usage errors (per `isUsage`, or a parseArgs code) exit 2; file
 * errors give one line naming the file and what to do (exit 2 for a bad path, else 1); anything else its message.
 * With `debug`, the stack trace follows.
 */
export function describeError(err: unknown, opts: { debug: boolean; isUsage: UsageCheck; file?: string }): ErrorReport {
  const stack = opts.debug && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof UsageError || opts.isUsage(err) || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
    return { message: `${messageOf(err)}${stack}`, exitCode: 2 };
  }
  const inner = err instanceof FileError ? err.cause : err;
  const fileLine = err instanceof FileError ? err.message : describeFileError(err, opts.file);
  if (fileLine !== undefined && (err instanceof FileError || errorCodeName(inner) !== undefined)) {
    return { message: `${fileLine}${stack}`, exitCode: isBadPath(inner) ? 2 : 1 };
  }
  return { message: `${messageOf(err)}${stack || (opts.debug ? '' : ' (--debug shows the stack trace)')}`, exitCode: 1 };
}

/**
 * Drops the errors lmdb-js logs itself with `console.error` (a stack trace for a failed background commit, whose
 * cause then reaches us through the commit's rejection); everything else is printed as before.
 */
export function muteLibraryErrorLogs(): void {
  const original = console.error;
  console.error = (...args: unknown[]) => {
    const only = args.length === 1 ? args[0] : undefined;
    if (only instanceof Error && /node_modules[\\/]lmdb[\\/]/.test(only.stack ?? '')) return;
    original(...args);
  };
}
