/**
 * A cache remote in a directory (a path or a file:// URL) on a filesystem every node mounts: NFS, Lustre, any shared
 * directory. Plain files only (LMDB is never opened there; its locking and memory map break on network filesystems):
 *
 *   REMOTE/blobs/ab/<sha256>        the bytes of one output, named by their SHA-256
 *   REMOTE/manifests/<key>.json     {format: 1, digest, manifest}, written after every blob it names
 *
 * Every file is written to a temporary name in its final directory (`<name>.tmp-<host>-<pid>-<random>`), fsynced,
 * then hard-linked to its final name, which fails if another writer got there first (theirs is kept: both writers
 * succeed, one entry stays), so a file once in place is never changed again. Only a file that failed verification
 * is replaced, by an atomic rename. Where the filesystem has no hard links, rename is used. Temporary files of
 * writers that died (a dead pid on this host; older than a day from another host) are ignored by readers and removed
 * by {@link DirRemote.cleanup}.
 *
 * Nothing is trusted to be what its name says (cache/safe-file.ts): every path is taken under the remote's real
 * path with no symbolic link below it, every file is opened without blocking or following a link and must be a
 * regular file of the size the manifest states (manifests: at most the caller's bound) before a byte is read, and a
 * push never creates or writes anything through a link. A FIFO, device, link or directory where a file belongs is
 * refused, naming the path.
 *
 * Sharing: the remote directory's mode is the sharing policy (as git's core.sharedRepository). Each directory sgd-noise
 * creates (blobs/, manifests/, blobs/ab/, slurm-logs/) gets the mode mkdir gives it under the umask plus its parent's
 * group and other permission bits and its setgid and sticky bits; each file is read-only, readable by the group and
 * others where they may read its directory. So a remote of mode 1777, or a setgid group directory (2770/2775), stays
 * writable for every user who may write the remote itself.
 */
import { randomBytes } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { link, lstat, open, readdir, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemoteConfigError, RemoteError } from './errors.ts';
import { isProcessAlive } from './process-alive.ts';
import type { CacheRemote, PutResult, RemoteReadOptions } from './remote.ts';
import { UnexpectedFileError, assertNoSymlinks, mkdirUnder, readRegularFile, sharedFileMode } from './safe-file.ts';

/** A temporary file older than this is taken for a dead writer's even when its host cannot be asked. */
const FOREIGN_TMP_STALE_MS = 24 * 3600_000;
/** Bytes per write call for large blobs. */
const CHUNK = 8 << 20;
const HOST = hostname().replace(/[^A-Za-z0-9_.]/g, '_') || 'host';
const TMP_NAME = /\.tmp-([A-Za-z0-9_.]+)-(\d+)-[0-9a-f]{8}$/;
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

const CAUSES: Readonly<Record<string, { cause: string; advice: string }>> = {
  EACCES: { cause: 'permission denied', advice: 'make the remote directory writable for this user, or choose another with --remote / $SGD_NOISE_REMOTE' },
  EPERM: { cause: 'operation not permitted', advice: 'make the remote directory writable for this user, or choose another with --remote / $SGD_NOISE_REMOTE' },
  EROFS: { cause: 'read-only file system', advice: 'mount the shared filesystem read-write, or choose another remote with --remote / $SGD_NOISE_REMOTE' },
  ENOSPC: { cause: 'no space left on device', advice: 'free space on the shared filesystem' },
  EDQUOT: { cause: 'disk quota exceeded', advice: 'free space on the shared filesystem or raise the quota' },
  EIO: { cause: 'input/output error', advice: 'check the shared filesystem (its mount and server)' },
  ESTALE: { cause: 'stale file handle', advice: 'check the shared filesystem mount' },
  ENOTDIR: {
    cause: 'a component of the path is not a directory',
    advice: "the remote directory holds something that is not sgd-noise's layout; use an empty directory",
  },
  EISDIR: { cause: 'is a directory, not a file', advice: "the remote directory holds something that is not sgd-noise's layout; use an empty directory" },
};

/** A remote kept as plain files in a directory. Open with {@link DirRemote.open} (or `openRemote` in remote.ts). */
export class DirRemote implements CacheRemote {
  private writable?: Promise<void>;

  /**
   * `location`: the directory as named (what jobs on other nodes are told); `root`: its real path, under which every
   * file is opened.
   */
  private constructor(
    readonly location: string,
    readonly root: string,
  ) {}

  /**
   * The remote in the directory named by `text` (a path, relative to the working directory, or a `file://` URL);
   * throws a one-line {@link RemoteConfigError} when it is not an existing directory.
   */
  static open(text: string): DirRemote {
    let dir: string;
    if (/^file:\/\//i.test(text)) {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        throw new RemoteConfigError(`remote '${text}' is not a valid file:// URL (expected file:///absolute/path)`);
      }
      if (url.host !== '' && url.host !== 'localhost') {
        throw new RemoteConfigError(
          `remote '${text}': a file:// URL names a directory mounted on this machine (file:///absolute/path), not one on host '${url.host}'`,
        );
      }
      dir = fileURLToPath(new URL(`file://${url.pathname}`));
    } else dir = path.resolve(text);
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw new RemoteConfigError(`remote directory ${dir} does not exist; create it on a filesystem every node mounts, or fix --remote / $SGD_NOISE_REMOTE`);
      }
      throw new RemoteConfigError(`remote directory ${dir} cannot be read (${CAUSES[code ?? '']?.cause ?? (err as Error).message}${code ? `, ${code}` : ''})`);
    }
    if (!isDir) throw new RemoteConfigError(`remote ${dir} is not a directory; a remote is a directory on a filesystem every node mounts`);
    return new DirRemote(dir, realpathSync(dir));
  }

  describe(kind: 'blob' | 'manifest', id: string): string {
    return kind === 'blob' ? this.blobPath(id) : this.manifestPath(id);
  }

  /** `REMOTE/blobs/ab/<hash>`. */
  blobPath(hash: string): string {
    return path.join(this.root, 'blobs', hash.slice(0, 2), hash);
  }

  /** `REMOTE/manifests/<key>.json`. */
  manifestPath(key: string): string {
    return path.join(this.root, 'manifests', `${key}.json`);
  }

  getBlob(hash: string, bytes: number, opts: RemoteReadOptions = {}): Promise<Uint8Array | undefined> {
    return this.readOptional(this.blobPath(hash), {
      maxBytes: bytes,
      exactBytes: bytes,
      describeSize: (actual, expected) => `has ${actual} bytes, the manifest says ${expected} (truncated or overwritten)`,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  putBlob(hash: string, bytes: Uint8Array, opts: { replace?: boolean } = {}): Promise<PutResult> {
    return this.writeOnce(this.blobPath(hash), bytes, opts.replace ?? false);
  }

  getManifest(key: string, opts: RemoteReadOptions & { maxBytes: number }): Promise<Uint8Array | undefined> {
    return this.readOptional(this.manifestPath(key), { maxBytes: opts.maxBytes, ...(opts.signal ? { signal: opts.signal } : {}) });
  }

  putManifest(key: string, bytes: Uint8Array, opts: { replace?: boolean } = {}): Promise<PutResult> {
    return this.writeOnce(this.manifestPath(key), bytes, opts.replace ?? false);
  }

  async *manifestKeys(): AsyncIterable<string> {
    const dir = path.join(this.root, 'manifests');
    if (!(await this.isRealDir(dir))) return;
    for (const name of await this.list(dir)) {
      const m = /^([0-9a-f]{64})\.json$/.exec(name);
      if (m) yield m[1]!;
    }
  }

  prepareWrite(): Promise<void> {
    this.writable ??= (async () => {
      for (const sub of ['blobs', 'manifests']) {
        try {
          await mkdirUnder(this.root, sub); // one component at a time: a recursive mkdir reports EROFS as ENOENT
        } catch (err) {
          throw this.failure('create', path.join(this.root, sub), err);
        }
      }
      const probe = path.join(this.root, 'manifests', `.write-probe${tmpSuffix()}`);
      try {
        await (await open(probe, 'wx')).close();
        await unlink(probe);
      } catch (err) {
        throw this.failure('write', probe, err);
      }
    })();
    this.writable.catch(() => (this.writable = undefined));
    return this.writable;
  }

  async cleanup(): Promise<string[]> {
    // Only real directories are looked into; a link or file where one belongs is refused (nothing is removed there).
    const dirs = [this.root];
    if (await this.isRealDir(path.join(this.root, 'manifests'))) dirs.push(path.join(this.root, 'manifests'));
    const blobs = path.join(this.root, 'blobs');
    if (await this.isRealDir(blobs)) {
      for (const sub of await this.list(blobs))
        if (/^[0-9a-f]{2}$/.test(sub) && (await this.isRealDir(path.join(blobs, sub)))) dirs.push(path.join(blobs, sub));
    }
    const removed: string[] = [];
    const now = Date.now();
    for (const dir of dirs) {
      for (const name of await this.list(dir)) {
        const m = TMP_NAME.exec(name);
        if (!m) continue;
        const file = path.join(dir, name);
        let dead: boolean;
        if (m[1] === HOST) dead = !isProcessAlive(Number(m[2]));
        else {
          try {
            dead = now - (await lstat(file)).mtimeMs > FOREIGN_TMP_STALE_MS;
          } catch {
            continue; // gone already
          }
        }
        if (!dead) continue;
        try {
          await unlink(file);
          removed.push(file);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          // In a shared (sticky) remote another user's leftover is theirs to remove: it is ignored by readers anyway.
          if (code !== 'ENOENT' && code !== 'EPERM' && code !== 'EACCES') throw this.failure('remove', file, err);
        }
      }
    }
    return removed;
  }

  /**
   * Whether `dir` (under the root) exists as a real directory, with none but real directories above it; false when
   * it does not exist. Anything else there (a link, a file) is a one-line RemoteError naming it.
   */
  private async isRealDir(dir: string): Promise<boolean> {
    try {
      return await assertNoSymlinks(this.root, path.join(dir, 'x'));
    } catch (err) {
      throw this.failure('list', dir, err);
    }
  }

  /** The names in a directory; none when it does not exist. */
  private async list(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw this.failure('list', dir, err);
    }
  }

  /**
   * The bytes of a regular file under the root, within the bounds of `opts`; undefined when it does not exist. What
   * is not a regular file of an accepted size throws {@link UnexpectedFileError} (bad content, named); storage
   * failures throw a RemoteError.
   */
  private async readOptional(
    file: string,
    opts: { maxBytes: number; exactBytes?: number; describeSize?: (actual: number, expected: number) => string; signal?: AbortSignal },
  ): Promise<Uint8Array | undefined> {
    try {
      return await readRegularFile(file, { ...opts, root: this.root });
    } catch (err) {
      // The object itself is bad content (reported with its entry); a bad directory above it breaks the remote.
      if ((err instanceof UnexpectedFileError && err.file === file) || opts.signal?.aborted) throw err;
      throw this.failure('read', file, err);
    }
  }

  /**
   * Writes `bytes` to a temporary file beside `file`, fsyncs it, and puts it in place: by a hard link that fails when
   * `file` exists (then the existing one is kept and 'exists' returned), or with `replace` by an atomic rename.
   */
  private async writeOnce(file: string, bytes: Uint8Array, replace: boolean): Promise<PutResult> {
    const dir = path.dirname(file);
    const tmp = `${file}${tmpSuffix()}`;
    try {
      // Every directory on the way is a real one (created shared where missing), never a link out of the remote.
      const { stats: dirStats } = await mkdirUnder(this.root, path.relative(this.root, dir));
      const handle = await open(tmp, 'wx', 0o444); // O_EXCL: never through a link
      try {
        const created = (await handle.stat()).mode & 0o7777;
        const shared = sharedFileMode(dirStats.mode, created);
        if (shared !== created) await handle.chmod(shared);
        for (let at = 0; at < bytes.byteLength; at += CHUNK) {
          const end = Math.min(at + CHUNK, bytes.byteLength);
          await handle.write(bytes, at, end - at, at);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw this.failure('write', tmp, err);
    }
    let result: PutResult = 'written';
    try {
      if (replace) await rename(tmp, file);
      else {
        try {
          await link(tmp, file);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? '';
          if (code === 'EEXIST') result = 'exists';
          else if (LINK_UNSUPPORTED.has(code)) result = await renameUnlessPresent(tmp, file);
          else throw err;
        }
        await unlink(tmp).catch(() => undefined);
      }
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw this.failure('write', file, err);
    }
    if (result === 'written') await syncDir(dir);
    return result;
  }

  private failure(op: string, file: string, err: unknown): RemoteError {
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof UnexpectedFileError) return new RemoteError(`remote ${this.location}: cannot ${op} ${file}: ${err.message}`, { cause: err });
    const known = code ? CAUSES[code] : undefined;
    const cause = known ? `${known.cause}, ${code}` : `${(err as Error).message}`;
    return new RemoteError(`remote ${this.location}: cannot ${op} ${file} (${cause})${known ? `; ${known.advice}` : ''}`, { cause: err });
  }
}

/**
 * `.tmp-<host>-<pid>-<8 hex>`: whose temporary file it is, so that dead writers' leftovers can be told apart.
 * Example: `${file}${tmpSuffix()}`; tests pass a dead writer's pid.
 */
export function tmpSuffix(pid: number = process.pid, host: string = HOST): string {
  return `.tmp-${host}-${pid}-${randomBytes(4).toString('hex')}`;
}

/** For filesystems without hard links: rename, unless the final name appeared (then another writer's is kept). */
async function renameUnlessPresent(tmp: string, file: string): Promise<PutResult> {
  try {
    await lstat(file);
    return 'exists';
  } catch {
    await rename(tmp, file);
    return 'written';
  }
}

/** Makes a new directory entry durable (fsync of the directory); filesystems that cannot are ignored. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // some filesystems refuse fsync on directories; the file itself was fsynced before it was linked
  }
}
