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
 * The digest only detects accidents (anyone who can write the remote can recompute it): what a remote's writers can
 * forge is limited by signatures (remote-trust.ts) and seen by comparing entries present on both sides, whose
 * results must agree (entry-diff.ts): a push never overwrites a differing entry unless told which side to keep.
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
import { diffEntries, formatDifference, type EntryDifference } from './entry-diff.ts';
import { CorruptEntryError, RemoteConfigError } from './errors.ts';
import { sha256Hex } from './hash.ts';
import { manifestDigest, validateManifest } from './manifest-check.ts';
import { checkSignature, manifestSignatureSchema, signEntry, withTrust, type RemoteTrust } from './remote-trust.ts';
import { UnexpectedFileError } from './safe-file.ts';
import { SigningConfigError, type SigningKey } from './signing-keys.ts';
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
  /**
   * The signing policy this remote is used under (set by {@link openRemote} / `withTrust`; storage implementations
   * leave it undefined): manifests written are signed with its key, entries read must be signed by its members.
   */
  readonly trust?: RemoteTrust;
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
  corrupt: { key: string; side: 'local' | 'remote'; reason: string; repaired: boolean; refused?: boolean }[];
  /**
   * Entries both sides hold intact whose results differ (same key, other outputs or seed): `replaced` when the
   * transfer was told to keep the source's side (push `keep: 'local'`, pull `keep: 'remote'`), else left as they are.
   */
  divergent: { key: string; difference: EntryDifference; reason: string; replaced: boolean }[];
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
export async function openRemote(urlOrPath: string, trust?: RemoteTrust): Promise<CacheRemote> {
  const text = urlOrPath.trim();
  if (text === '') throw new RemoteConfigError(`remote: empty location; expected ${SUPPORTED_REMOTES}`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1];
  if (scheme !== undefined && scheme.toLowerCase() !== 'file') {
    throw new RemoteConfigError(`remote '${text}': unsupported scheme '${scheme}:'; supported: ${SUPPORTED_REMOTES}`);
  }
  const { DirRemote } = await import('./remote-dir.ts');
  const remote = DirRemote.open(text);
  return trust && (trust.signingKey || trust.allowedSigners) ? withTrust(remote, trust) : remote;
}

const hex64 = /^[0-9a-f]{64}$/;

/**
 * The file a remote keeps per entry: the manifest, the sha256 of its canonical JSON (covers every field) and,
 * when its writer had a signing key, a signature of the key and digest (files without one still parse).
 */
const remoteManifestSchema = z
  .object({
    format: z.literal(1),
    digest: z.string().regex(hex64, 'expected a 64-digit hex SHA-256'),
    manifest: z.unknown(),
    signature: manifestSignatureSchema.optional(),
  })
  .strict();

/** The bytes of the remote manifest file for `manifest`, signed with `signer` when given. */
export function encodeRemoteManifest(manifest: Manifest, signer?: SigningKey): Uint8Array {
  const digest = manifestDigest(manifest);
  const signature = signer ? { signature: signEntry(manifest.key, digest, signer) } : {};
  return new TextEncoder().encode(`${JSON.stringify({ format: 1, digest, manifest, ...signature })}\n`);
}

/**
 * An entry as read from a remote, every byte verified, or why it cannot be trusted: `corrupt` (damaged, or a bad
 * signature) or `refused` (intact but not signed by an allowed signer, where signatures are required).
 */
type RemoteRead =
  | { status: 'absent' }
  | { status: 'corrupt'; reason: string; manifest?: Manifest }
  | { status: 'refused'; reason: string; manifest: Manifest }
  | { status: 'present'; manifest: Manifest; blobs: Map<string, Uint8Array>; signer?: string };

/** A remote manifest file read and checked (schema, key, digest, signature), its blobs not yet read. */
type ManifestRead =
  | { status: 'absent' }
  | { status: 'corrupt'; reason: string }
  | { status: 'refused'; reason: string; manifest: Manifest }
  | { status: 'accepted'; manifest: Manifest; signer?: string };

/** Reads and checks the manifest file under `key` against the remote's trust policy. */
async function readRemoteManifest(remote: CacheRemote, key: string, signal?: AbortSignal): Promise<ManifestRead> {
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
  let file: ParsedManifestFile;
  try {
    file = parseRemoteManifest(key, raw);
  } catch (err) {
    return { status: 'corrupt', reason: `${where}: ${(err as Error).message}` };
  }
  const check = checkSignature(key, file.digest, file.signature, remote.trust);
  if (check.verdict === 'bad') return { status: 'corrupt', reason: `${where}: ${check.reason}` };
  if (check.verdict === 'refused') return { status: 'refused', reason: `${where}: refused: ${check.reason}`, manifest: file.manifest };
  return { status: 'accepted', manifest: file.manifest, ...(check.signer !== undefined ? { signer: check.signer } : {}) };
}

/**
 * Reads the entry under `key` and verifies the manifest and every blob it names, except those `skip` accepts (the
 * caller has them intact already). Storage failures (permissions, I/O) throw; bad content is a `corrupt` result.
 */
async function readRemoteEntry(remote: CacheRemote, key: string, signal?: AbortSignal, skip: (hash: string) => boolean = () => false): Promise<RemoteRead> {
  const read = await readRemoteManifest(remote, key, signal);
  if (read.status !== 'accepted') return read;
  const { manifest } = read;
  const where = remote.describe('manifest', key);
  const blobs = new Map<string, Uint8Array>();
  const problems: string[] = [];
  for (const [name, ref] of Object.entries(manifest.outputs)) {
    if (blobs.has(ref.blob) || skip(ref.blob)) continue;
    const read = await readBlob(remote, ref, signal);
    if (read.problem === undefined) blobs.set(ref.blob, read.bytes);
    else problems.push(`output '${name}': ${read.problem}`);
  }
  if (problems.length > 0) return { status: 'corrupt', reason: `entry ${where}: ${problems.join('; ')}`, manifest };
  return { status: 'present', manifest, blobs, ...(read.signer !== undefined ? { signer: read.signer } : {}) };
}

/** A remote manifest file's validated manifest, its digest and its signature, if any. */
interface ParsedManifestFile {
  manifest: Manifest;
  digest: string;
  signature?: z.infer<typeof manifestSignatureSchema>;
}

/** The manifest in a remote manifest file, validated; throws an Error saying what is wrong. */
function parseRemoteManifest(key: string, raw: Uint8Array): ParsedManifestFile {
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
    return { manifest: validateManifest(key, file.data.manifest, file.data.digest), digest: file.data.digest, signature: file.data.signature };
  } catch (err) {
    if (err instanceof CorruptEntryError) throw new Error(err.reason);
    throw err;
  }
}

/** The verified bytes of a blob, or what is wrong with it (one line naming the object). Storage failures throw. */
async function readBlob(
  remote: CacheRemote,
  ref: OutputRef,
  signal?: AbortSignal,
): Promise<{ bytes: Uint8Array; problem?: undefined } | { problem: string; found: boolean }> {
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
    divergent: [],
    cleaned: [],
  };
}

/**
 * Whether `key` is in the remote as a complete entry whose manifest and every blob verify.
 * Example: `await remoteLookup(remote, key)` → `'present'`, `'absent'` or `{corrupt: 'blobs/ab/ab12… is missing'}`.
 */
export async function remoteLookup(remote: CacheRemote, key: string, opts: RemoteReadOptions = {}): Promise<RemoteLookup> {
  const found = await readRemoteEntry(remote, key, opts.signal);
  return found.status === 'corrupt' || found.status === 'refused' ? { corrupt: found.reason } : found.status;
}

/** Options of {@link pushEntries}. */
export interface PushOptions extends RemoteReadOptions {
  /** Remove temporary files of dead writers first (default true). */
  cleanup?: boolean;
  /** `'local'`: replace remote entries whose results differ from the local ones (default: report them, keep both). */
  keep?: 'local';
}

/** The difference between two intact entries of one key, as a divergence record, or undefined when they agree. */
function divergence(key: string, local: Manifest, remote: Manifest, replaced: boolean): TransferReport['divergent'][number] | undefined {
  const difference = diffEntries(local, remote);
  if (!difference) return undefined;
  return { key, difference, reason: formatDifference(difference), replaced };
}

/**
 * Uploads the entries under `keys` that the local cache has intact and the remote lacks: first every blob the remote
 * does not hold intact, then the manifest (signed when the remote's trust has a signing key), so that a push killed
 * at any point leaves no manifest naming a missing blob. A corrupt remote entry, or one the trust policy refuses, is
 * replaced by the verified local one. A remote entry whose results differ from the local one is reported in
 * `divergent` and left alone, unless `keep: 'local'`. Entries the local cache lacks, or holds corrupt, are reported
 * and skipped. Storage failures (an unwritable remote) throw a one-line RemoteError; an aborted `opts.signal` rejects
 * with its reason at once (what was written stays valid: blobs before manifests).
 */
export async function pushEntries(cache: CacheStore, remote: CacheRemote, keys: readonly string[], opts: PushOptions = {}): Promise<TransferReport> {
  const report = emptyReport('push', remote);
  const signer = remote.trust?.signingKey;
  if (remote.trust?.allowedSigners && !signer) {
    throw new SigningConfigError(
      `the remote ${remote.location} requires signed entries (allowed signers ${remote.trust.allowedSigners.file}), and no signing key is set: --signing-key FILE or $SGD_NOISE_SIGNING_KEY (\`sgd-noise cache keygen\` makes one)`,
    );
  }
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
      const diverged = divergence(key, local.manifest, theirs.manifest, opts.keep === 'local');
      if (diverged) report.divergent.push(diverged);
      if (!diverged?.replaced) {
        report.entries.present++;
        report.blobs.present += refs.length;
        report.bytes.present += refs.reduce((a, r) => a + r.bytes, 0);
        continue;
      }
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
    const replace = theirs.status !== 'absent';
    const put = await remote.putManifest(key, encodeRemoteManifest(local.manifest, signer), { replace });
    if (theirs.status === 'corrupt' || theirs.status === 'refused') {
      report.corrupt.push({ key, side: 'remote', reason: theirs.reason, repaired: true, ...(theirs.status === 'refused' ? { refused: true } : {}) });
    }
    if (put === 'written') {
      report.entries.transferred++;
      report.transferred.push(key);
    } else report.entries.present++; // another writer's manifest won the race; its blobs were written before it
  }
  return finish(report);
}

/** Options of {@link pullEntries}. */
export interface PullOptions extends RemoteReadOptions {
  /**
   * `'remote'`: also read the remote entries of keys the local cache holds, and replace local entries whose results
   * differ from the remote's (default: a local entry is kept without reading the remote).
   */
  keep?: 'remote';
}

/**
 * Downloads the entries under `keys` that the local cache lacks (or holds corrupt) and the remote holds intact (and
 * signed by an allowed signer, where the remote's trust requires it). An entry is imported into LMDB (one
 * transaction) only after its manifest and every blob it needs verified; a corrupt or refused remote entry is
 * reported in the result, not thrown, and not imported. Blobs the local cache has intact are not read. An aborted
 * `opts.signal` rejects with its reason at once, even while a read is pending; nothing half-read is imported.
 */
export async function pullEntries(remote: CacheRemote, cache: CacheStore, keys: readonly string[], opts: PullOptions = {}): Promise<TransferReport> {
  const report = emptyReport('pull', remote);
  for (const key of new Set(keys)) {
    opts.signal?.throwIfAborted();
    const local = cache.lookup(key);
    const intactHere = new Map<string, boolean>();
    const haveIntact = (hash: string) => {
      if (!intactHere.has(hash)) intactHere.set(hash, cache.blobState(hash) === 'intact');
      return intactHere.get(hash)!;
    };
    const theirs = local.status === 'hit' && opts.keep !== 'remote' ? undefined : await readRemoteEntry(remote, key, opts.signal, haveIntact);
    const diverged = local.status === 'hit' && theirs?.status === 'present' ? divergence(key, local.manifest, theirs.manifest, true) : undefined;
    if (local.status === 'hit' && !diverged) {
      if (theirs?.status === 'corrupt' || theirs?.status === 'refused') {
        report.corrupt.push({ key, side: 'remote', reason: theirs.reason, repaired: false, ...(theirs.status === 'refused' ? { refused: true } : {}) });
      }
      const refs = blobsOf(local.manifest);
      report.entries.present++;
      report.blobs.present += refs.length;
      report.bytes.present += refs.reduce((a, r) => a + r.bytes, 0);
      continue;
    }
    if (theirs === undefined || theirs.status === 'absent') {
      report.missing.push(key);
      if (local.status === 'corrupt') report.corrupt.push({ key, side: 'local', reason: `local cache: ${local.reason}`, repaired: false });
      continue;
    }
    if (theirs.status === 'corrupt' || theirs.status === 'refused') {
      report.corrupt.push({ key, side: 'remote', reason: theirs.reason, repaired: false, ...(theirs.status === 'refused' ? { refused: true } : {}) });
      if (local.status === 'corrupt') report.corrupt.push({ key, side: 'local', reason: `local cache: ${local.reason}`, repaired: false });
      continue;
    }
    opts.signal?.throwIfAborted();
    await cache.importEntry(
      theirs.manifest,
      [...theirs.blobs].map(([hash, bytes]) => ({ hash, bytes })),
    );
    if (diverged) report.divergent.push(diverged);
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
  /** `refused`: intact, but not signed by an allowed signer where the remote's trust requires signatures. */
  remote: 'present' | 'absent' | 'corrupt' | 'refused';
  /** What is wrong, where a side is corrupt or refused. */
  localReason?: string;
  remoteReason?: string;
  /** Who signed the remote entry (a member's name, or the key's fingerprint where no signers are required). */
  signer?: string;
  /** How the results differ, where both sides hold the entry intact and they do not agree. */
  difference?: EntryDifference;
  /** Bytes of the entry's blobs (from whichever side has a valid manifest; 0 when neither). */
  bytes: number;
}

/** Compares `keys` between the local cache and the remote, verifying both sides fully (nothing is written). */
export async function compareEntries(
  cache: CacheStore,
  remote: CacheRemote,
  keys: readonly string[],
  opts: RemoteReadOptions = {},
): Promise<EntryComparison[]> {
  const rows: EntryComparison[] = [];
  for (const key of new Set(keys)) {
    const local = cache.lookup(key);
    const theirs = await readRemoteEntry(remote, key, opts.signal);
    const manifest = local.status === 'hit' ? local.manifest : theirs.status === 'absent' ? undefined : theirs.manifest;
    const difference = local.status === 'hit' && theirs.status === 'present' ? diffEntries(local.manifest, theirs.manifest) : undefined;
    rows.push({
      key,
      local: local.status === 'hit' ? 'present' : local.status === 'miss' ? 'absent' : 'corrupt',
      remote: theirs.status,
      ...(local.status === 'corrupt' ? { localReason: `local cache: ${local.reason}` } : {}),
      ...(theirs.status === 'corrupt' || theirs.status === 'refused' ? { remoteReason: theirs.reason } : {}),
      ...(theirs.status === 'present' && theirs.signer !== undefined ? { signer: theirs.signer } : {}),
      ...(difference ? { difference } : {}),
      bytes: manifest ? blobsOf(manifest).reduce((a, r) => a + r.bytes, 0) : 0,
    });
  }
  return rows;
}
