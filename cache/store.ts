/**
 * Content-addressed artifact store on LMDB.
 *
 * - `manifests`: stage key → manifest (JSON; on every read zod-validated, its key recomputed from its own fields and
 *   its digest checked: see manifest-check.ts).
 * - `digests`: stage key → sha256 of the whole manifest, written with it (kept apart so that the manifest format, and
 *   so older versions of sgd-noise reading this cache, stay as they were).
 * - `blobs`: SHA-256 of bytes → bytes, stored once however many manifests reference them.
 * - `fingerprints`: (scope, stage instance) → the fingerprint of its last run, used to explain staleness.
 *
 * A manifest and its blobs are written in one LMDB transaction, so a crash or kill -9 at any point leaves either the
 * whole entry or nothing. Entries are write-once: when two processes race on the same key the first commit wins and
 * the second is a no-op (stages are deterministic, so both would be equal).
 *
 * Opening checks the file's structure first (lmdb-check.ts) and takes the cache's shared lock (cache-lock.ts); gc
 * takes it exclusively, because compaction replaces the file. Every write first asks the lock whether the cache's
 * files are still the ones this process opened (someone may have deleted them).
 */
import { mkdirSync, renameSync, rmSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { CacheBusyError, CacheLock } from './cache-lock.ts';
import { errorCodeName, unwrapCommitFailure } from './lmdb-errors.ts';
import { trimUncommittedTail, uncommittedTailBytes } from './trim.ts';
import { CacheFileDamagedError, CorruptEntryError } from './errors.ts';
import { checkLmdbFile } from './lmdb-check.ts';
import { sha256Hex } from './hash.ts';
import { manifestDigest, validateManifest } from './manifest-check.ts';
import { fingerprintSchema, manifestSchema, type Fingerprint, type Manifest } from './manifest.ts';
import { decodeValue, encodeValue, type Artifacts, type LoadedArtifacts, type OutputRef } from './values.ts';

export { CorruptEntryError } from './errors.ts';

/** Result of looking a key up: a verified hit, a miss, or a corrupt entry with the reason. */
export type Lookup = { status: 'hit'; manifest: Manifest } | { status: 'miss' } | { status: 'corrupt'; reason: string; badBlobs: string[] };

/** A manifest as a stage runner fills it in: everything except the outputs, which `commit` adds. */
export type PendingManifest = Omit<Manifest, 'outputs' | 'format'>;

/** Counts returned by {@link CacheStore.gc}. */
export interface GcReport {
  manifests: { kept: number; removed: string[] };
  blobs: { kept: number; removed: number; bytesRemoved: number };
  fileBytes: { before: number; after: number };
  /** Why the file was only trimmed in place instead of compacted (a full disk), when it was. */
  compactedInPlace?: string;
}

const DATA_FILE = 'cache.mdb';
const openStores = new Map<string, CacheStore>();

/** How {@link CacheStore.open} treats the file; the defaults are right for everything except salvage. */
export interface OpenOptions {
  /** Check the file against its own meta pages before mapping it, and refuse a damaged one (default true). */
  checkFile?: boolean;
  /** Hold the cache's shared lock while open (default true); a salvage child runs under its parent's lock instead. */
  lock?: boolean;
}

/** One LMDB environment holding manifests, blobs and fingerprints. Open with {@link CacheStore.open}. */
export class CacheStore {
  private env!: RootDatabase;
  private manifests!: Database<unknown, string>;
  private blobs!: Database<Buffer, string>;
  private fingerprints!: Database<unknown, string>;
  private digests!: Database<string, string>;

  private constructor(
    readonly dir: string,
    private readonly lock: CacheLock | undefined,
    checkFile: boolean,
  ) {
    try {
      if (checkFile) assertFileIntact(path.join(dir, DATA_FILE));
      if (lock) reclaimWhenAlone(path.join(dir, DATA_FILE), lock);
      this.openEnvironment();
    } catch (err) {
      lock?.release();
      throw err;
    }
  }

  /**
   * Opens (or returns the already open) store in `dir`; one environment per directory per process. Takes the cache's
   * shared lock and refuses, with {@link CacheFileDamagedError}, a file whose structure contradicts its meta pages.
   */
  static open(dir: string, { checkFile = true, lock = true }: OpenOptions = {}): CacheStore {
    const abs = path.resolve(dir);
    let store = openStores.get(abs);
    if (!store) {
      mkdirSync(abs, { recursive: true });
      store = new CacheStore(abs, lock ? CacheLock.shared(abs) : undefined, checkFile);
      openStores.set(abs, store);
    }
    return store;
  }

  /** Path of the LMDB data file of the cache in `dir`. */
  static dataFile(dir: string): string {
    return path.join(path.resolve(dir), DATA_FILE);
  }

  private openEnvironment(): void {
    // No event-turn batching: every write here is an explicit transaction, and lmdb-js's batch-start promise of that
    // mode has no handler, so a failed commit (a full disk) would end the process with an unhandled rejection.
    this.env = open({ path: path.join(this.dir, DATA_FILE), eventTurnBatching: false });
    this.manifests = this.env.openDB({ name: 'manifests', encoding: 'json' });
    this.blobs = this.env.openDB({ name: 'blobs', encoding: 'binary' }) as Database<Buffer, string>;
    this.fingerprints = this.env.openDB({ name: 'fingerprints', encoding: 'json' });
    this.digests = this.env.openDB({ name: 'digests', encoding: 'string' }) as Database<string, string>;
    this.lock?.noteLmdbLockFile();
  }

  /** Throws (CacheFilesReplacedError) when the files this process opened were deleted or replaced under it. */
  private assertWritable(): void {
    this.lock?.assertIntact();
  }

  /**
   * Runs `work` in one write transaction. A failed commit rejects with the real cause (ENOSPC, MDB_MAP_FULL) instead
   * of lmdb-js's "Commit failed", whose `commitError` promise is then handled (left alone it is an unhandled rejection
   * that prints a stack trace after the error's own line).
   */
  private async write(work: () => void): Promise<void> {
    this.assertWritable();
    try {
      await this.env.transaction(work);
    } catch (err) {
      throw await unwrapCommitFailure(err);
    }
  }

  /** Makes commits by other processes visible to this one. */
  refresh(): void {
    this.env.resetReadTxn();
  }

  /** Whether a manifest exists under `key` (not verified). */
  has(key: string): boolean {
    return this.manifests.doesExist(key);
  }

  /** Reads and validates the manifest under `key`; undefined when absent, CorruptEntryError when invalid. */
  getManifest(key: string): Manifest | undefined {
    let raw: unknown;
    let digest: string | undefined;
    try {
      raw = this.manifests.get(key);
      digest = raw === undefined ? undefined : this.digests.get(key);
    } catch (err) {
      throw new CorruptEntryError(key, `manifest is unreadable (${(err as Error).message})`);
    }
    return raw === undefined ? undefined : validateManifest(key, raw, digest);
  }

  /**
   * Looks `key` up and verifies the manifest and the hash of every blob it references. Blobs named in
   * `unreadableBlobs` (ones whose reading crashed a salvage reader) count as bad without being read.
   */
  lookup(key: string, { unreadableBlobs }: { unreadableBlobs?: ReadonlySet<string> } = {}): Lookup {
    let manifest: Manifest | undefined;
    try {
      manifest = this.getManifest(key);
    } catch (err) {
      if (err instanceof CorruptEntryError) return { status: 'corrupt', reason: err.reason, badBlobs: [] };
      throw err;
    }
    if (!manifest) return { status: 'miss' };
    const bad = Object.entries(manifest.outputs).flatMap(([name, ref]) => {
      const problem = unreadableBlobs?.has(ref.blob) ? 'could not be read (reading it killed a salvage reader)' : this.blobProblem(ref);
      return problem ? [{ name, ref, problem }] : [];
    });
    if (bad.length > 0) {
      return {
        status: 'corrupt',
        reason: bad.map(({ name, ref, problem }) => `output '${name}' blob ${ref.blob.slice(0, 12)} ${problem}`).join('; '),
        badBlobs: bad.map(({ ref }) => ref.blob),
      };
    }
    return { status: 'hit', manifest };
  }

  /** Reads every output of a manifest, verifying each blob's hash; throws CorruptEntryError on a mismatch. */
  readOutputs(manifest: Manifest): LoadedArtifacts {
    const out: LoadedArtifacts = {};
    for (const [name, ref] of Object.entries(manifest.outputs)) out[name] = this.readOutput(manifest.key, name, ref);
    return out;
  }

  /** Reads one output by its reference, verifying the blob's hash. */
  readOutput(key: string, name: string, ref: OutputRef): LoadedArtifacts[string] {
    const bytes = this.blobs.getBinary(ref.blob);
    if (!bytes) throw new CorruptEntryError(key, `output '${name}' blob ${ref.blob.slice(0, 12)} is missing`, [ref.blob]);
    if (sha256Hex(bytes) !== ref.blob) {
      throw new CorruptEntryError(key, `output '${name}' blob ${ref.blob.slice(0, 12)} does not match its hash`, [ref.blob]);
    }
    return decodeValue(ref, bytes);
  }

  /**
   * Stores `artifacts` and the manifest in one transaction. If another process committed the same key first, its
   * manifest is kept and returned. Blobs that already exist intact are not rewritten.
   */
  async commit(pending: PendingManifest, artifacts: Artifacts): Promise<Manifest> {
    const encoded = Object.entries(artifacts).map(([name, value]) => {
      const { ref, bytes } = encodeValue(name, value);
      return { name, ref: { ...ref, blob: sha256Hex(bytes) } as OutputRef, bytes };
    });
    const manifest = manifestSchema.parse({
      format: 1,
      ...pending,
      outputs: Object.fromEntries(encoded.map((e) => [e.name, e.ref])),
    });
    let winner: Manifest = manifest;
    await this.write(() => {
      const theirs = this.trustedManifest(pending.key);
      if (theirs) {
        if (Object.values(theirs.outputs).every((ref) => this.blobIsIntact(ref))) {
          winner = theirs;
          return;
        }
      }
      for (const { ref, bytes } of encoded) {
        if (!this.blobIsIntact(ref)) this.blobs.putSync(ref.blob, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      }
      this.putManifest(manifest);
    });
    return winner;
  }

  /** Removes the manifest under `key` and the given blobs (used when an entry is found corrupt). */
  async invalidate(key: string, badBlobs: readonly string[] = []): Promise<void> {
    await this.write(() => {
      this.manifests.removeSync(key);
      this.digests.removeSync(key);
      for (const blob of badBlobs) this.blobs.removeSync(blob);
    });
  }

  /** Records the fingerprint of the run of `instance` in `scope` (a profile), replacing the previous one. */
  async recordFingerprint(scope: string, instance: string, fingerprint: Fingerprint): Promise<void> {
    const value = fingerprintSchema.parse(fingerprint);
    await this.write(() => void this.fingerprints.putSync(fingerprintKey(scope, instance), value));
  }

  /** The last recorded fingerprint of `instance` in `scope`, if any and valid. */
  getFingerprint(scope: string, instance: string): Fingerprint | undefined {
    const parsed = fingerprintSchema.safeParse(this.fingerprints.get(fingerprintKey(scope, instance)));
    return parsed.success ? parsed.data : undefined;
  }

  /** Every manifest key, with the manifest or the reason it is unreadable. */
  *entries(): Generator<{ key: string; manifest?: Manifest; error?: string }> {
    for (const key of this.manifests.getKeys()) {
      try {
        const manifest = this.getManifest(key);
        if (manifest) yield { key, manifest };
      } catch (err) {
        yield { key, error: (err as Error).message };
      }
    }
  }

  /** Every manifest key in order, or those after `after`; stops early (without error) where LMDB cannot go on. */
  *manifestKeys(after?: string): Generator<string> {
    for (const key of this.manifests.getKeys(after === undefined ? {} : { start: after })) if (key !== after) yield key;
  }

  /** Every blob hash in order, or those after `after`. */
  *blobKeys(after?: string): Generator<string> {
    for (const key of this.blobs.getKeys(after === undefined ? {} : { start: after })) if (key !== after) yield key;
  }

  /** The bytes stored under a blob hash, as stored (not verified: check them with sha256Hex); undefined when absent. */
  blobBytes(hash: string): Uint8Array | undefined {
    return this.blobs.getBinary(hash);
  }

  /** Whether the blob stored under `hash` is there and its bytes hash to it. */
  blobState(hash: string): 'intact' | 'missing' | 'mismatch' {
    const bytes = this.blobs.getBinary(hash);
    if (bytes === undefined) return 'missing';
    return sha256Hex(bytes) === hash ? 'intact' : 'mismatch';
  }

  /** For each table: the entries LMDB's own record of it counts, and how many a walk of its keys reaches. */
  tableCounts(): { table: string; recorded: number; listed: number }[] {
    const tables = { manifests: this.manifests, blobs: this.blobs, fingerprints: this.fingerprints, digests: this.digests } as const;
    return Object.entries(tables).map(([table, db]) => {
      const recorded = (db.getStats() as { entryCount: number }).entryCount;
      let listed = 0;
      for (const _ of db.getKeys()) listed++;
      return { table, recorded, listed };
    });
  }

  /** Copies a verified entry (its manifest and blobs, as stored) into `target` in one transaction. */
  async copyEntryTo(target: CacheStore, manifest: Manifest): Promise<void> {
    const blobs = Object.values(manifest.outputs).map((ref) => {
      const bytes = this.blobs.getBinary(ref.blob);
      if (!bytes || sha256Hex(bytes) !== ref.blob)
        throw new CorruptEntryError(manifest.key, `blob ${ref.blob.slice(0, 12)} changed while being copied`, [ref.blob]);
      return { hash: ref.blob, bytes };
    });
    await target.importEntry(manifest, blobs);
  }

  /**
   * Writes an entry found elsewhere (a salvaged one) in one transaction, after checking that the manifest proves its
   * key and that every blob it uses is given with matching bytes or is already here intact.
   */
  async importEntry(manifest: Manifest, blobs: readonly { hash: string; bytes: Uint8Array }[]): Promise<void> {
    validateManifest(manifest.key, manifest);
    const given = new Map(blobs.map((b) => [b.hash, b.bytes]));
    for (const ref of Object.values(manifest.outputs)) {
      const bytes = given.get(ref.blob);
      if (bytes ? sha256Hex(bytes) !== ref.blob : !this.blobIsIntact(ref)) {
        throw new CorruptEntryError(manifest.key, `cannot import: blob ${ref.blob.slice(0, 12)} is not given intact`, [ref.blob]);
      }
    }
    await this.write(() => {
      for (const [hash, bytes] of given) this.blobs.putSync(hash, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      this.putManifest(manifest);
    });
  }

  /** Copies every fingerprint that still validates into `target`; returns how many. */
  async copyFingerprintsTo(target: CacheStore): Promise<number> {
    let copied = 0;
    await target.write(() => {
      for (const { key, value } of this.fingerprints.getRange()) {
        if (!fingerprintSchema.safeParse(value).success) continue;
        target.fingerprints.putSync(key, value);
        copied++;
      }
    });
    return copied;
  }

  /** Manifest keys that start with `prefix` (hex). */
  keysWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (const key of this.manifests.getKeys({ start: prefix })) {
      if (!key.startsWith(prefix)) break;
      out.push(key);
    }
    return out;
  }

  /** Total bytes held in blobs and the number of blobs. */
  blobStats(): { count: number; bytes: number } {
    let count = 0;
    let bytes = 0;
    for (const { value } of this.blobs.getRange()) {
      count++;
      bytes += value.byteLength;
    }
    return { count, bytes };
  }

  /**
   * Removes manifests whose key is not in `keep` and blobs no kept manifest references, then compacts the file.
   * With `dryRun` nothing is changed and the report lists what would go.
   */
  async gc(keep: ReadonlySet<string>, { dryRun = false } = {}): Promise<GcReport> {
    const before = this.fileBytes();
    const removed: string[] = [];
    const referenced = new Set<string>();
    let kept = 0;
    for (const { key, manifest } of this.entries()) {
      if (manifest && keep.has(key)) {
        kept++;
        for (const ref of Object.values(manifest.outputs)) referenced.add(ref.blob);
      } else removed.push(key);
    }
    let blobsRemoved = 0;
    let bytesRemoved = 0;
    let blobsKept = 0;
    const doomedBlobs: string[] = [];
    for (const { key, value } of this.blobs.getRange()) {
      if (referenced.has(key)) blobsKept++;
      else {
        doomedBlobs.push(key);
        blobsRemoved++;
        bytesRemoved += value.byteLength;
      }
    }
    const report: GcReport = {
      manifests: { kept, removed },
      blobs: { kept: blobsKept, removed: blobsRemoved, bytesRemoved },
      fileBytes: { before, after: before },
    };
    if (dryRun) return report;
    await this.exclusively('gc', async () => {
      await this.reclaimTail(); // first the space of failed writes: the deletions below may need it on a full disk
      await this.write(() => {
        for (const key of removed) {
          this.manifests.removeSync(key);
          this.digests.removeSync(key);
        }
        for (const blob of doomedBlobs) this.blobs.removeSync(blob);
      });
      const compacted = await this.compact();
      report.fileBytes.after = compacted.bytes;
      if (compacted.inPlace) report.compactedInPlace = compacted.inPlace;
    });
    return report;
  }

  /**
   * Runs `work` holding the cache exclusively; throws {@link CacheBusyError} (naming their pids) while other processes
   * have the cache open, so that nothing that replaces the file can lose their commits.
   */
  async exclusively<T>(purpose: string, work: () => Promise<T>): Promise<T> {
    if (!this.lock) throw new Error(`${purpose} needs the cache lock, but ${this.dir} was opened without it`);
    this.lock.upgrade(purpose);
    try {
      return await work();
    } finally {
      this.lock.downgrade();
    }
  }

  /**
   * Truncates the pages of failed write transactions off the end of the file (see trim.ts), closing and reopening the
   * environment around it. Only while holding the cache exclusively.
   */
  private async reclaimTail(): Promise<void> {
    const file = path.join(this.dir, DATA_FILE);
    if (uncommittedTailBytes(file) === 0) return;
    await this.env.close();
    try {
      trimUncommittedTail(file);
    } finally {
      this.openEnvironment();
    }
  }

  /**
   * Rewrites the data file without free pages (LMDB files never shrink otherwise); returns the new size. Only while
   * holding the cache exclusively (see {@link exclusively}): another process would go on writing to the old file.
   * On a full disk, where the compacted copy beside the file cannot be written, the copy is dropped and the file is
   * only trimmed in place to its committed pages (`inPlace` says why).
   */
  private async compact(): Promise<{ bytes: number; inPlace?: string }> {
    const file = path.join(this.dir, DATA_FILE);
    const tmp = `${file}.compact`;
    rmSync(tmp, { force: true });
    try {
      await this.env.backup(tmp, true);
    } catch (err) {
      rmSync(tmp, { force: true });
      const code = errorCodeName(await unwrapCommitFailure(err));
      if (code !== 'ENOSPC' && code !== 'EDQUOT') throw err;
      await this.reclaimTail();
      return {
        bytes: this.fileBytes(),
        inPlace: `no space for a compacted copy beside ${file} (${code}); trimmed it in place instead, so free pages inside it stay until a gc with free space`,
      };
    }
    await this.env.close();
    renameSync(tmp, file);
    rmSync(`${file}-lock`, { force: true });
    this.lock?.relockDataFile(); // the lock on the old file protects nothing now
    this.openEnvironment();
    return { bytes: this.fileBytes() };
  }

  /** Path of the LMDB data file. */
  get file(): string {
    return path.join(this.dir, DATA_FILE);
  }

  /** Size of the data file in bytes. */
  fileBytes(): number {
    const file = path.join(this.dir, DATA_FILE);
    return existsSync(file) ? statSync(file).size : 0;
  }

  /** Test and repair hook: writes raw bytes under a blob hash without any check. */
  async unsafePutBlob(hash: string, bytes: Uint8Array): Promise<void> {
    await this.blobs.put(hash, Buffer.from(bytes));
  }

  /** Closes the environment and gives up the cache lock; the next `open` of this directory reopens it. */
  async close(): Promise<void> {
    openStores.delete(this.dir);
    await this.env.close();
    this.lock?.release();
  }

  /** Writes a manifest and its digest (inside a transaction). */
  private putManifest(manifest: Manifest): void {
    this.manifests.putSync(manifest.key, manifest);
    this.digests.putSync(manifest.key, manifestDigest(manifest));
  }

  /** The manifest under `key` if it validates, else undefined (a corrupt one is overwritten by a commit). */
  private trustedManifest(key: string): Manifest | undefined {
    try {
      return this.getManifest(key);
    } catch (err) {
      if (err instanceof CorruptEntryError) return undefined;
      throw err;
    }
  }

  private blobIsIntact(ref: OutputRef): boolean {
    return this.blobProblem(ref) === undefined;
  }

  /** What is wrong with the blob a manifest references, or undefined when it is there with its hash and size. */
  private blobProblem(ref: OutputRef): string | undefined {
    const bytes = this.blobs.getBinary(ref.blob); // getBinaryFast returns a shared buffer whose byteLength is not the value's
    if (bytes === undefined) return 'is missing';
    if (sha256Hex(bytes) !== ref.blob) return 'bytes do not match its hash';
    if (bytes.byteLength !== ref.bytes) return `has ${bytes.byteLength} bytes, the manifest says ${ref.bytes}`;
    return undefined;
  }
}

/**
 * Before the environment opens: when the file ends in pages of failed writes (a full disk) and no other process uses
 * the cache, truncates them (trim.ts) and says so on stderr; with other users the file is left for a later run or gc.
 */
function reclaimWhenAlone(file: string, lock: CacheLock): void {
  if (uncommittedTailBytes(file) === 0) return;
  try {
    lock.upgrade('reclaiming the space of a failed write');
  } catch (err) {
    if (err instanceof CacheBusyError) return;
    throw err;
  }
  try {
    const { before, after } = trimUncommittedTail(file);
    process.stderr.write(`sgd-noise: reclaimed ${before - after} bytes that a failed write (a full disk?) had left at the end of ${file}\n`);
  } finally {
    lock.downgrade();
  }
}

/** Throws {@link CacheFileDamagedError} when the file's structure contradicts its own meta pages. */
function assertFileIntact(file: string): void {
  const check = checkLmdbFile(file);
  if (!check.ok) throw new CacheFileDamagedError(file, check.problem);
}

function fingerprintKey(scope: string, instance: string): string {
  return `${scope}\u0000${instance}`;
}
