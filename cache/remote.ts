/**
 * A cache remote: content-addressed blobs and manifests shared between machines (after DVC's remotes). LMDB stays
 * the local cache on each machine; a remote only holds plain objects that are written once, whole, under their final
 * name (a temporary name first, then an atomic rename or link), the manifest last, so a manifest present means a
 * complete entry.
 *
 * {@link CacheRemote} is the storage interface an implementation provides (the directory one, remote-dir.ts; an
 * S3-compatible store maps each call onto GET / conditional PUT / LIST of one object). Everything that decides what
 * to trust lives here, the same for every implementation: each blob read is hashed against its name, each manifest is
 * zod-validated, must be filed under the key it names, prove that key from its own fields and match the digest of the
 * whole manifest written beside it. A bad object is reported (named, with what is wrong) and ignored, never imported.
 *
 * `push` and `pull` are set differences over keys and blob hashes, so an interrupted transfer simply resumes.
 *
 * An S3-compatible implementation would map: `getBlob`/`getManifest` → GET (404 → undefined), after a HEAD whose
 * Content-Length must equal the blob's byte count (at most `maxBytes` for a manifest), or a ranged GET of that many
 * bytes + 1, so that no more than that is ever read; the signal aborts the request; `put*` → PUT with
 * `If-None-Match: *` (412 → 'exists'; a PUT is atomic, so no temporary name is needed), with `replace` an
 * unconditional PUT; `manifestKeys` → ListObjectsV2 under `manifests/`; `prepareWrite` → PUT and DELETE of a probe
 * object; `cleanup` → abort the multipart uploads of dead writers. `openRemote` would dispatch on `s3://`.
 */
import { z } from 'zod';
import { CorruptEntryError, RemoteConfigError } from './errors.ts';
import { sha256Hex } from './hash.ts';
import { manifestDigest, validateManifest } from './manifest-check.ts';
import { UnexpectedFileError } from './safe-file.ts';
import type { Manifest } from './manifest.ts';
import type { CacheStore } from './store.ts';
import type { OutputRef } from './values.ts';

/** What `put*` did: wrote the object, or found it already there (another writer's copy, kept as it is). */
export type PutResult = 'written' | 'exists';

/** The largest remote manifest file read (a manifest is a few hundred bytes per output); a larger one is corrupt. */
export const MAX_MANIFEST_BYTES = 16 << 20;

/** Options of a remote read. */
export interface RemoteReadOptions {
  /** Abandons the read at once (rejecting with the signal's reason), e.g. when the run is cancelled. */
  signal?: AbortSignal;
}

/**
 * Raw object storage behind a remote. Implementations never judge content: they store and return bytes; callers
 * (this module) verify every read. Keys and hashes are 64-digit lowercase hex.
 */
export interface CacheRemote {
  /** Where the remote is (a directory path, a URL), for messages. */
  readonly location: string;
  /** How an object is named in messages: the file path or URL of a blob or manifest. */
  describe(kind: 'blob' | 'manifest', id: string): string;
  /**
   * The bytes stored under a blob hash, unverified, when it is an object of exactly `bytes` bytes (the manifest's
   * count: checked before reading, and no more than that + 1 byte is ever read); undefined when there is none.
   * Throws {@link UnexpectedFileError} (one line: the object, what it is, what was expected) for anything else there:
   * another size, a link, a FIFO, a device, a directory.
   */
  getBlob(hash: string, bytes: number, opts?: RemoteReadOptions): Promise<Uint8Array | undefined>;
  /**
   * Stores a blob under its hash, atomically (readers see nothing or all of it). Without `replace`, an object
   * already there is kept and 'exists' returned; with it, the stored object is replaced (used only to repair one
   * that failed verification).
   */
  putBlob(hash: string, bytes: Uint8Array, opts?: { replace?: boolean }): Promise<PutResult>;
  /**
   * The bytes of the manifest file under `key`, unverified, at most `maxBytes` of them; undefined when there is none.
   * Throws {@link UnexpectedFileError} as {@link getBlob} does (a larger object too).
   */
  getManifest(key: string, opts: RemoteReadOptions & { maxBytes: number }): Promise<Uint8Array | undefined>;
  /** Stores a manifest file under `key`, atomically; `replace` as for {@link putBlob}. */
  putManifest(key: string, bytes: Uint8Array, opts?: { replace?: boolean }): Promise<PutResult>;
  /** Every key that has a manifest file (not verified). */
  manifestKeys(): AsyncIterable<string>;
  /** Checks that the remote can be written (creating its layout); throws a one-line RemoteError when it cannot. */
  prepareWrite(): Promise<void>;
  /** Removes the leftovers of writers that died mid-write (temporary objects); returns what it removed. */
  cleanup(): Promise<string[]>;
}

/** The result of looking a key up in a remote: a complete verified entry, none, or a corrupt one with the reason. */
export type RemoteLookup = 'present' | 'absent' | { corrupt: string };

/** What a push or pull did. Bytes are those of blobs (manifests are a few hundred bytes each). */
export interface TransferReport {
  direction: 'push' | 'pull';
  /** The remote's location. */
  remote: string;
  entries: {
    /** Entries copied (for push: whose manifest this push wrote). */
    transferred: number;
    /** Entries the destination already had intact. */
    present: number;
    /** Keys the source side does not have (push: not in the local cache; pull: not in the remote). */
    missing: number;
    /** Entries found corrupt on either side (see `corrupt`). */
    corrupt: number;
  };
  blobs: { transferred: number; present: number };
  bytes: { transferred: number; present: number };
  /** Keys copied. */
  transferred: string[];
  /** Keys the source lacks. */
  missing: string[];
  /**
   * Corrupt entries, with the file and what is wrong. `repaired`: the transfer replaced it with a verified copy
   * (push over a bad remote entry, pull over a bad local one); otherwise it was left out.
   */
  corrupt: { key: string; side: 'local' | 'remote'; reason: string; repaired: boolean }[];
  /** Temporary files of dead writers that the push removed. */
  cleaned: string[];
}

/** The schemes {@link openRemote} accepts, for messages. */
export const SUPPORTED_REMOTES = 'a directory path, or a file:// URL (file:///shared/sgd-noise-remote)';

/**
 * Opens the remote named by a path or URL: a directory path or a `file://` URL, on a filesystem every node mounts.
 * Throws {@link RemoteConfigError} (one line) for an unsupported scheme or a directory that does not exist.
 * Example: `await openRemote('file:///mnt/shared/sgd-noise')`.
 */
export async function openRemote(urlOrPath: string): Promise<CacheRemote> {
  const text = urlOrPath.trim();
  if (text === '') throw new RemoteConfigError(`remote: empty location; expected ${SUPPORTED_REMOTES}`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1];
  if (scheme !== undefined && scheme.toLowerCase() !== 'file') {
    throw new RemoteConfigError(`remote '${text}': unsupported scheme '${scheme}:'; supported: ${SUPPORTED_REMOTES}`);
  }
  const { DirRemote } = await import('./remote-dir.ts');
  return DirRemote.open(text);
}

const hex64 = /^[0-9a-f]{64}$/;

/** The file a remote keeps per entry: the manifest and the sha256 of its canonical JSON (covers every field). */
const remoteManifestSchema = z
  .object({
    format: z.literal(1),
    digest: z.string().regex(hex64, 'expected a 64-digit hex SHA-256'),
    manifest: z.unknown(),
  })
  .strict();

/** The bytes of the remote manifest file for `manifest`. */
export function encodeRemoteManifest(manifest: Manifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify({ format: 1, digest: manifestDigest(manifest), manifest })}\n`);
}

/** An entry as read from a remote, every byte verified, or why it cannot be trusted. */
type RemoteRead =
  | { status: 'absent' }
  | { status: 'corrupt'; reason: string; manifest?: Manifest }
  | { status: 'present'; manifest: Manifest; blobs: Map<string, Uint8Array> };

/**
 * Reads the entry under `key` and verifies the manifest and every blob it names, except those `skip` accepts (the
 * caller has them intact already). Storage failures (permissions, I/O) throw; bad content is a `corrupt` result.
 */
async function readRemoteEntry(remote: CacheRemote, key: string, signal?: AbortSignal, skip: (hash: string) => boolean = () => false): Promise<RemoteRead> {
  assertKey(key);
  const where = remote.describe('manifest', key);
  let raw: Uint8Array | undefined;
  try {
    raw = await remote.getManifest(key, { maxBytes: MAX_MANIFEST_BYTES, ...(signal ? { signal } : {}) });
  } catch (err) {
    if (err instanceof UnexpectedFileError) return { status: 'corrupt', reason: err.message };
    throw err;
  }
  if (raw === undefined) return { status: 'absent' };
  let manifest: Manifest;
  try {
    manifest = parseRemoteManifest(key, raw);
  } catch (err) {
    return { status: 'corrupt', reason: `${where}: ${(err as Error).message}` };
  }
  const blobs = new Map<string, Uint8Array>();
  const problems: string[] = [];
  for (const [name, ref] of Object.entries(manifest.outputs)) {
    if (blobs.has(ref.blob) || skip(ref.blob)) continue;
    const read = await readBlob(remote, ref, signal);
    if (read.problem === undefined) blobs.set(ref.blob, read.bytes);
    else problems.push(`output '${name}': ${read.problem}`);
  }
  if (problems.length > 0) return { status: 'corrupt', reason: `entry ${where}: ${problems.join('; ')}`, manifest };
  return { status: 'present', manifest, blobs };
}

/** The manifest in a remote manifest file, validated; throws an Error saying what is wrong. */
function parseRemoteManifest(key: string, raw: Uint8Array): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (err) {
    throw new Error(`not a JSON manifest file (${(err as Error).message}; ${raw.byteLength} bytes)`);
  }
  const file = remoteManifestSchema.safeParse(json);
  if (!file.success) {
    const issue = file.error.issues[0]!;
    throw new Error(`manifest file fails validation at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  try {
    return validateManifest(key, file.data.manifest, file.data.digest);
  } catch (err) {
    if (err instanceof CorruptEntryError) throw new Error(err.reason);
    throw err;
  }
}

/** The verified bytes of a blob, or what is wrong with it (one line naming the object). Storage failures throw. */
async function readBlob(remote: CacheRemote, ref: OutputRef, signal?: AbortSignal): Promise<{ bytes: Uint8Array; problem?: undefined } | { problem: string; found: boolean }> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await remote.getBlob(ref.blob, ref.bytes, signal ? { signal } : {});
  } catch (err) {
    if (err instanceof UnexpectedFileError) return { problem: err.message, found: true };
    throw err;
  }
  const problem = blobProblem(ref, bytes);
  return problem ? { problem: `${remote.describe('blob', ref.blob)} ${problem}`, found: bytes !== undefined } : { bytes: bytes! };
}

/** What is wrong with blob bytes read for `ref`, or undefined when they are there, of the right size and hash. */
function blobProblem(ref: OutputRef, bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined) return 'is missing';
  if (bytes.byteLength !== ref.bytes) return `has ${bytes.byteLength} bytes, the manifest says ${ref.bytes} (truncated or overwritten)`;
  const actual = sha256Hex(bytes);
  if (actual !== ref.blob) return `does not match its hash (its bytes hash to ${actual.slice(0, 12)})`;
  return undefined;
}

function assertKey(key: string): void {
  if (!hex64.test(key)) throw new Error(`not a cache key (expected 64 hex digits): '${key}'`);
}

/** The distinct blobs of a manifest's outputs. */
function blobsOf(manifest: Manifest): OutputRef[] {
  const seen = new Map<string, OutputRef>();
  for (const ref of Object.values(manifest.outputs)) if (!seen.has(ref.blob)) seen.set(ref.blob, ref);
  return [...seen.values()];
}

function emptyReport(direction: TransferReport['direction'], remote: CacheRemote): TransferReport {
  return {
    direction,
    remote: remote.location,
    entries: { transferred: 0, present: 0, missing: 0, corrupt: 0 },
    blobs: { transferred: 0, present: 0 },
    bytes: { transferred: 0, present: 0 },
    transferred: [],
    missing: [],
    corrupt: [],
    cleaned: [],
  };
}

/**
 * Whether `key` is in the remote as a complete entry whose manifest and every blob verify.
 * Example: `await remoteLookup(remote, key)` → `'present'`, `'absent'` or `{corrupt: 'blobs/ab/ab12… is missing'}`.
 */
export async function remoteLookup(remote: CacheRemote, key: string, opts: RemoteReadOptions = {}): Promise<RemoteLookup> {
  const found = await readRemoteEntry(remote, key, opts.signal);
  return found.status === 'corrupt' ? { corrupt: found.reason } : found.status;
}

/** Options of {@link pushEntries}. */
export interface PushOptions extends RemoteReadOptions {
  /** Remove temporary files of dead writers first (default true). */
  cleanup?: boolean;
}

/**
 * Uploads the entries under `keys` that the local cache has intact and the remote lacks: first every blob the remote
 * does not hold intact, then the manifest, so that a push killed at any point leaves no manifest naming a missing
 * blob. A corrupt remote entry is replaced by the verified local one. Entries the local cache lacks, or holds
 * corrupt, are reported and skipped. Storage failures (an unwritable remote) throw a one-line RemoteError; an
 * aborted `opts.signal` rejects with its reason at once (what was written stays valid: blobs before manifests).
 */
export async function pushEntries(cache: CacheStore, remote: CacheRemote, keys: readonly string[], opts: PushOptions = {}): Promise<TransferReport> {
  const report = emptyReport('push', remote);
  await remote.prepareWrite();
  if (opts.cleanup !== false) report.cleaned = await remote.cleanup();
  for (const key of new Set(keys)) {
    opts.signal?.throwIfAborted();
    const local = cache.lookup(key);
    if (local.status === 'miss') {
      report.missing.push(key);
      continue;
    }
    if (local.status === 'corrupt') {
      report.corrupt.push({ key, side: 'local', reason: `local cache: ${local.reason}`, repaired: false });
      continue;
    }
    const refs = blobsOf(local.manifest);
    const theirs = await readRemoteEntry(remote, key, opts.signal);
    if (theirs.status === 'present') {
      report.entries.present++;
      report.blobs.present += refs.length;
      report.bytes.present += refs.reduce((a, r) => a + r.bytes, 0);
      continue;
    }
    for (const ref of refs) {
      const stored = await readBlob(remote, ref, opts.signal);
      if (stored.problem === undefined) {
        report.blobs.present++;
        report.bytes.present += ref.bytes;
        continue;
      }
      opts.signal?.throwIfAborted();
      const bytes = cache.blobBytes(ref.blob);
      if (!bytes || sha256Hex(bytes) !== ref.blob) throw new CorruptEntryError(key, `blob ${ref.blob.slice(0, 12)} changed while being pushed`, [ref.blob]);
      const put = await remote.putBlob(ref.blob, bytes, { replace: stored.found });
      if (put === 'written') {
        report.blobs.transferred++;
        report.bytes.transferred += ref.bytes;
      } else {
        report.blobs.present++;
        report.bytes.present += ref.bytes;
      }
    }
    const put = await remote.putManifest(key, encodeRemoteManifest(local.manifest), { replace: theirs.status === 'corrupt' });
    if (theirs.status === 'corrupt') report.corrupt.push({ key, side: 'remote', reason: theirs.reason, repaired: true });
    if (put === 'written') {
      report.entries.transferred++;
      report.transferred.push(key);
    } else report.entries.present++; // another writer's manifest won the race; its blobs were written before it
  }
  return finish(report);
}

/**
 * Downloads the entries under `keys` that the local cache lacks (or holds corrupt) and the remote holds intact. An
 * entry is imported into LMDB (one transaction) only after its manifest and every blob it needs verified; a corrupt
 * remote entry is reported in the result, not thrown, and not imported. Blobs the local cache has intact are not read.
 * An aborted `opts.signal` rejects with its reason at once, even while a read is pending; nothing half-read is imported.
 */
export async function pullEntries(remote: CacheRemote, cache: CacheStore, keys: readonly string[], opts: RemoteReadOptions = {}): Promise<TransferReport> {
  const report = emptyReport('pull', remote);
  for (const key of new Set(keys)) {
    opts.signal?.throwIfAborted();
    const local = cache.lookup(key);
    if (local.status === 'hit') {
      const refs = blobsOf(local.manifest);
      report.entries.present++;
      report.blobs.present += refs.length;
      report.bytes.present += refs.reduce((a, r) => a + r.bytes, 0);
      continue;
    }
    const intactHere = new Map<string, boolean>();
    const haveIntact = (hash: string) => {
      if (!intactHere.has(hash)) intactHere.set(hash, cache.blobState(hash) === 'intact');
      return intactHere.get(hash)!;
    };
    const theirs = await readRemoteEntry(remote, key, opts.signal, haveIntact);
    if (theirs.status === 'absent') {
      report.missing.push(key);
      if (local.status === 'corrupt') report.corrupt.push({ key, side: 'local', reason: `local cache: ${local.reason}`, repaired: false });
      continue;
    }
    if (theirs.status === 'corrupt') {
      report.corrupt.push({ key, side: 'remote', reason: theirs.reason, repaired: false });
      if (local.status === 'corrupt') report.corrupt.push({ key, side: 'local', reason: `local cache: ${local.reason}`, repaired: false });
      continue;
    }
    opts.signal?.throwIfAborted();
    await cache.importEntry(theirs.manifest, [...theirs.blobs].map(([hash, bytes]) => ({ hash, bytes })));
    if (local.status === 'corrupt') report.corrupt.push({ key, side: 'local', reason: `local cache: ${local.reason}`, repaired: true });
    for (const ref of blobsOf(theirs.manifest)) {
      const fetched = theirs.blobs.has(ref.blob);
      report.blobs[fetched ? 'transferred' : 'present']++;
      report.bytes[fetched ? 'transferred' : 'present'] += ref.bytes;
    }
    report.entries.transferred++;
    report.transferred.push(key);
  }
  return finish(report);
}

function finish(report: TransferReport): TransferReport {
  report.entries.missing = report.missing.length;
  report.entries.corrupt = new Set(report.corrupt.map((c) => `${c.side}:${c.key}`)).size;
  return report;
}

/** Where one key stands on both sides. */
export interface EntryComparison {
  key: string;
  local: 'present' | 'absent' | 'corrupt';
  remote: 'present' | 'absent' | 'corrupt';
  /** What is wrong, where a side is corrupt. */
  localReason?: string;
  remoteReason?: string;
  /** Bytes of the entry's blobs (from whichever side has a valid manifest; 0 when neither). */
  bytes: number;
}

/** Compares `keys` between the local cache and the remote, verifying both sides fully (nothing is written). */
export async function compareEntries(cache: CacheStore, remote: CacheRemote, keys: readonly string[], opts: RemoteReadOptions = {}): Promise<EntryComparison[]> {
  const rows: EntryComparison[] = [];
  for (const key of new Set(keys)) {
    const local = cache.lookup(key);
    const theirs = await readRemoteEntry(remote, key, opts.signal);
    const manifest = local.status === 'hit' ? local.manifest : theirs.status === 'absent' ? undefined : theirs.manifest;
    rows.push({
      key,
      local: local.status === 'hit' ? 'present' : local.status === 'miss' ? 'absent' : 'corrupt',
      remote: theirs.status,
      ...(local.status === 'corrupt' ? { localReason: `local cache: ${local.reason}` } : {}),
      ...(theirs.status === 'corrupt' ? { remoteReason: theirs.reason } : {}),
      bytes: manifest ? blobsOf(manifest).reduce((a, r) => a + r.bytes, 0) : 0,
    });
  }
  return rows;
}
