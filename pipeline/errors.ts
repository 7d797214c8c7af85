/**
 * Errors by kind: what the command line prints for any thrown value, and with which exit code. Filesystem and LMDB
 * errors (numeric or string `code`) become one line naming the file, the cause and what to do; usage and
 * configuration errors exit with 2; anything else prints its message, and its stack trace only with `--debug`.
 */
import { statfsSync } from 'node:fs';
import path from 'node:path';
import { emfileAdvice } from '../bin/open-files.js';
import { errorCodeName, unwrapCommitFailure } from '../cache/lmdb-errors.ts';

/** A usage error: printed without a stack, exit code 2. */
export class UsageError extends Error {}

/**
 * What a file is to sgd-noise, so that an error's advice names the option that moves it: a full or read-only disk
 * under the published reports is not fixed with --cache.
 */
export type FileRole = 'cache' | 'publish' | 'slurmLogs' | 'nodeCache' | 'downloads';

/** Per role: what the file belongs to, and the option (or variable) that puts it elsewhere. */
export const FILE_ROLES: Readonly<Record<FileRole, { what: string; option: string }>> = {
  cache: { what: 'the cache', option: '--cache DIR or $SGD_NOISE_CACHE' },
  publish: { what: 'the published files (reports)', option: '--publish-dir DIR' },
  slurmLogs: { what: 'the Slurm job scripts and logs', option: '--slurm-log-dir DIR' },
  nodeCache: { what: 'the node-local cache', option: '--slurm-node-cache DIR (exec: --node-cache DIR)' },
  downloads: { what: 'the download cache', option: '$XDG_CACHE_HOME (it lives in $XDG_CACHE_HOME/sgd-noise)' },
};

/** An error of a file the command was working on, with that file's path (for errors that carry none). */
export class FileError extends Error {
  /** Wraps `cause`, naming `file`; `role` picks the option the advice names (default: the cache). */
  constructor(
    readonly file: string,
    cause: unknown,
    readonly role: FileRole = 'cache',
  ) {
    super(describeFileErrorAt(cause, file, role) ?? `${file}: ${messageOf(cause)}`, { cause });
  }
}

interface Known {
  cause: string;
  /** What to do, for a file of the given role. */
  advice: (role: FileRole) => string;
  /** A bad path given by the user: exit code 2. */
  usage?: boolean;
}

const move = (role: FileRole) => `move ${FILE_ROLES[role].what} with ${FILE_ROLES[role].option}`;
const freeSpace = (role: FileRole) =>
  `free space on that filesystem${role === 'cache' ? ' (`sgd-noise gc` drops entries the config no longer reaches)' : ''} or ${move(role)}`;
const permissions = (role: FileRole) => `fix its permissions or ${move(role)}`;
const DAMAGED = 'move the file aside and rerun (its entries are recomputed)';
const fixed = (text: string) => () => text;

/** Causes and remedies by error code. */
const KNOWN: Readonly<Record<string, Known>> = {
  ENOSPC: { cause: 'no space left on device', advice: freeSpace },
  EDQUOT: { cause: 'disk quota exceeded', advice: freeSpace },
  EFBIG: { cause: 'file too large for this filesystem', advice: move },
  EROFS: { cause: 'read-only file system', advice: (role) => `put ${FILE_ROLES[role].what} on a writable filesystem with ${FILE_ROLES[role].option}` },
  EACCES: { cause: 'permission denied', advice: permissions },
  EPERM: { cause: 'operation not permitted', advice: permissions },
  ENOTDIR: { cause: 'a component of the path is not a directory', advice: fixed('pass a directory path'), usage: true },
  ENOENT: { cause: 'no such file or directory', advice: fixed('check the path'), usage: true },
  EISDIR: { cause: 'is a directory, not a file', advice: fixed('pass a file path'), usage: true },
  ENAMETOOLONG: { cause: 'file name too long', advice: fixed('use a shorter path'), usage: true },
  EIO: { cause: 'input/output error', advice: fixed('check the disk (dmesg) and the free space on it') },
  EMFILE: { cause: 'too many open files', advice: () => emfileAdvice() },
  ENFILE: { cause: 'the system-wide limit of open files is reached', advice: fixed('close other programs or raise fs.file-max') },
  MDB_MAP_FULL: { cause: 'the cache file reached its maximum map size', advice: fixed('run `sgd-noise gc`, or move the cache with --cache DIR') },
  MDB_CORRUPTED: { cause: 'the cache file is damaged (a page has the wrong type)', advice: fixed(DAMAGED) },
  MDB_PAGE_NOTFOUND: { cause: 'the cache file is damaged (a page is missing)', advice: fixed(DAMAGED) },
  MDB_INVALID: { cause: 'not a valid LMDB file', advice: fixed(DAMAGED) },
  MDB_PANIC: { cause: 'LMDB hit a fatal error (a meta page update failed)', advice: fixed(DAMAGED) },
  MDB_BAD_CHECKSUM: { cause: 'the cache file is damaged (bad page checksum)', advice: fixed(DAMAGED) },
  MDB_VERSION_MISMATCH: { cause: 'the cache file was written by an incompatible LMDB version', advice: fixed(DAMAGED) },
  MDB_READERS_FULL: { cause: 'too many processes have the cache open', advice: fixed('wait for other sgd-noise processes to finish') },
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
  return `${file}: ${KNOWN.ENOSPC!.cause} (ENOSPC: ${free} bytes free); ${KNOWN.ENOSPC!.advice('cache')}`;
}

/** The message for an unexpected failure of a stage: a file error's one line (LMDB's named as `file`), else its message. */
export async function failureMessage(err: unknown, file: string): Promise<string> {
  if (err instanceof FileError) return err.message;
  const cause = await unwrapCommitFailure(err);
  return describeFileError(cause, file) ?? messageOf(cause);
}

/**
 * One line for a filesystem or LMDB error: "FILE: CAUSE (CODE); ADVICE", or undefined when `err` has no known code.
 * `file` names the file when the error does not (LMDB's errors never do). An I/O error, or a commit failure without
 * a cause, on a nearly full filesystem is reported as ENOSPC with the free space. `role` says what the file is, so
 * that the advice names the option that moves it (default: the cache).
 */
export function describeFileError(err: unknown, file?: string, role: FileRole = 'cache'): string | undefined {
  return describeFileErrorAt(err, ((err as { path?: unknown } | null)?.path as string | undefined) ?? file, role);
}

/** {@link describeFileError} naming `where` whatever path the error carries (a temporary file's, say). */
function describeFileErrorAt(err: unknown, where: string | undefined, role: FileRole): string | undefined {
  let code = errorCodeName(err);
  if ((code === 'EIO' || code === undefined) && where !== undefined && (code === 'EIO' || /commit failed/i.test(messageOf(err)))) {
    const free = freeBytesAt(where);
    if (free !== undefined && free < NEARLY_FULL_BYTES) {
      const k = KNOWN.ENOSPC!;
      return `${where}: ${k.cause} (ENOSPC: ${free} bytes free; the write failed with ${code ?? messageOf(err)}); ${k.advice(role)}`;
    }
  }
  if (code === undefined) return undefined;
  const known = KNOWN[code];
  const cause = known?.cause ?? messageOf(err);
  const advice = known?.advice(role) ?? (code.startsWith('MDB_') ? DAMAGED : undefined);
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
