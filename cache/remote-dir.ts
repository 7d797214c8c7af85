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
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { link, mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemoteConfigError, RemoteError } from './errors.ts';
import { isProcessAlive } from './process-alive.ts';
import type { CacheRemote, PutResult } from './remote.ts';

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
  ENOTDIR: { cause: 'a component of the path is not a directory', advice: 'the remote directory holds something that is not sgd-noise\'s layout; use an empty directory' },
  EISDIR: { cause: 'is a directory, not a file', advice: 'the remote directory holds something that is not sgd-noise\'s layout; use an empty directory' },
};

/** A remote kept as plain files in a directory. Open with {@link DirRemote.open} (or `openRemote` in remote.ts). */
export class DirRemote implements CacheRemote {
  private writable?: Promise<void>;

  private constructor(readonly root: string) {}

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
        throw new RemoteConfigError(`remote '${text}': a file:// URL names a directory mounted on this machine (file:///absolute/path), not one on host '${url.host}'`);
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
    return new DirRemote(dir);
  }

  get location(): string {
    return this.root;
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

  getBlob(hash: string): Promise<Uint8Array | undefined> {
    return this.readOptional(this.blobPath(hash));
  }

  putBlob(hash: string, bytes: Uint8Array, opts: { replace?: boolean } = {}): Promise<PutResult> {
    return this.writeOnce(this.blobPath(hash), bytes, opts.replace ?? false);
  }

  getManifest(key: string): Promise<Uint8Array | undefined> {
    return this.readOptional(this.manifestPath(key));
  }

  putManifest(key: string, bytes: Uint8Array, opts: { replace?: boolean } = {}): Promise<PutResult> {
    return this.writeOnce(this.manifestPath(key), bytes, opts.replace ?? false);
  }

  async *manifestKeys(): AsyncIterable<string> {
    for (const name of await this.list(path.join(this.root, 'manifests'))) {
      const m = /^([0-9a-f]{64})\.json$/.exec(name);
      if (m) yield m[1]!;
    }
  }

  prepareWrite(): Promise<void> {
    this.writable ??= (async () => {
      for (const sub of ['blobs', 'manifests']) {
        const dir = path.join(this.root, sub);
        try {
          await mkdir(dir); // not recursive: the root exists, and a recursive mkdir reports EROFS as ENOENT
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw this.failure('create', dir, err);
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
    const dirs = [this.root, path.join(this.root, 'manifests')];
    const blobs = path.join(this.root, 'blobs');
    for (const sub of await this.list(blobs)) if (/^[0-9a-f]{2}$/.test(sub)) dirs.push(path.join(blobs, sub));
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
            dead = now - (await stat(file)).mtimeMs > FOREIGN_TMP_STALE_MS;
          } catch {
            continue; // gone already
          }
        }
        if (!dead) continue;
        try {
          await unlink(file);
          removed.push(file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw this.failure('remove', file, err);
        }
      }
    }
    return removed;
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

  private async readOptional(file: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
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
      await mkdir(dir, { recursive: true });
      const handle = await open(tmp, 'wx', 0o444);
      try {
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
    const known = code ? CAUSES[code] : undefined;
    const cause = known ? `${known.cause}, ${code}` : `${(err as Error).message}`;
    return new RemoteError(`remote ${this.root}: cannot ${op} ${file} (${cause})${known ? `; ${known.advice}` : ''}`, { cause: err });
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
    await stat(file);
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
