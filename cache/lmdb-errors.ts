/**
 * Making sense of what lmdb-js throws. Its native errors carry a numeric `code`: a positive errno (28 = ENOSPC) or an
 * LMDB return code (−30792 = MDB_MAP_FULL). A failed asynchronous commit rejects with a generic
 * "Commit failed (see commitError for details)" whose `commitError` is a promise that rejects with the real error.
 */
import { constants } from 'node:os';

/** LMDB's own return codes (lmdb.h), by number. */
export const MDB_ERROR_NAMES: Readonly<Record<number, string>> = {
  [-30799]: 'MDB_KEYEXIST',
  [-30798]: 'MDB_NOTFOUND',
  [-30797]: 'MDB_PAGE_NOTFOUND',
  [-30796]: 'MDB_CORRUPTED',
  [-30795]: 'MDB_PANIC',
  [-30794]: 'MDB_VERSION_MISMATCH',
  [-30793]: 'MDB_INVALID',
  [-30792]: 'MDB_MAP_FULL',
  [-30791]: 'MDB_DBS_FULL',
  [-30790]: 'MDB_READERS_FULL',
  [-30789]: 'MDB_TLS_FULL',
  [-30788]: 'MDB_TXN_FULL',
  [-30787]: 'MDB_CURSOR_FULL',
  [-30786]: 'MDB_PAGE_FULL',
  [-30785]: 'MDB_MAP_RESIZED',
  [-30784]: 'MDB_INCOMPATIBLE',
  [-30783]: 'MDB_BAD_RSLOT',
  [-30782]: 'MDB_BAD_TXN',
  [-30781]: 'MDB_BAD_VALSIZE',
  [-30780]: 'MDB_BAD_DBI',
  [-30779]: 'MDB_PROBLEM',
  [-30778]: 'MDB_BAD_CHECKSUM',
  [-30777]: 'MDB_CRYPTO_FAIL',
  [-30776]: 'MDB_ENV_ENCRYPTION',
  [-30775]: 'MDB_LOCK_FAILURE',
};

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/**
 * strerror(3) texts that lmdb-js throws without a code (its `backup` reports a failed copy by message only), by the
 * code they stand for.
 */
const STRERROR_NAMES: ReadonlyMap<string, string> = new Map([
  ['No space left on device', 'ENOSPC'],
  ['Disk quota exceeded', 'EDQUOT'],
  ['Read-only file system', 'EROFS'],
  ['Permission denied', 'EACCES'],
  ['Input/output error', 'EIO'],
]);

/**
 * The symbolic name of an error's code: `ENOSPC` for code 'ENOSPC' or 28, `MDB_MAP_FULL` for −30792, an `MDB_…` name
 * at the start of the message, or a code-less error whose message is a known strerror text ("No space left on
 * device" → `ENOSPC`); undefined when there is none.
 */
export function errorCodeName(err: unknown): string | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.length > 0) return code;
  if (typeof code === 'number') return MDB_ERROR_NAMES[code] ?? ERRNO_NAMES.get(Math.abs(code));
  const message = (err as { message?: unknown }).message;
  if (typeof message !== 'string') return undefined;
  return /^(MDB_[A-Z_]+)\b/.exec(message)?.[1] ?? STRERROR_NAMES.get(message.trim());
}

/** Whether `err` is lmdb-js's generic commit failure, whose real cause is behind `commitError`. */
export function isCommitFailure(err: unknown): err is Error & { commitError: PromiseLike<unknown> } {
  const ce = (err as { commitError?: unknown } | null)?.commitError;
  return ce !== null && typeof ce === 'object' && typeof (ce as PromiseLike<unknown>).then === 'function';
}

/**
 * The real error behind lmdb-js's "Commit failed": awaits `commitError` (which rejects with it), for at most
 * `waitMs`. Any other error is returned as it is.
 */
export async function unwrapCommitFailure(err: unknown, waitMs = 500): Promise<unknown> {
  if (!isCommitFailure(err)) return err;
  const settled = Promise.resolve(err.commitError).then(
    () => undefined,
    (e: unknown) => e,
  ); // handled from now on
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), waitMs);
  });
  const cause = await Promise.race([settled, timeout]);
  clearTimeout(timer);
  return cause ?? err;
}
