/** Errors of the cache that a user reads: each message says what was expected, what was found and where. */

/** Base of the cache's user-facing errors: the CLI prints the message alone (no stack) and exits with code 1. */
export class CacheError extends Error {}

/** Thrown before a cache file is opened when its structure contradicts its own meta pages (mapping it would crash). */
export class CacheFileDamagedError extends CacheError {
  /** Names the file, what is wrong, and what to do. */
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`cache file ${file} is damaged (${problem}); move it aside; \`sgd-noise cache verify\` / \`sgd-noise cache recover\` can salvage entries`);
  }
}

/** Thrown when a stored entry fails validation while being read. */
export class CorruptEntryError extends CacheError {
  /** Names the key and what was wrong with it. */
  constructor(
    readonly key: string,
    readonly reason: string,
    readonly badBlobs: string[] = [],
  ) {
    super(`cache entry ${key.slice(0, 12)} is corrupt: ${reason}`);
  }
}

/** A remote that cannot be used as given (missing directory, unsupported URL scheme): the CLI exits with code 2. */
export class RemoteConfigError extends CacheError {}

/** A remote that failed while being read or written (permissions, read-only, I/O): one line naming the file and cause. */
export class RemoteError extends CacheError {}
