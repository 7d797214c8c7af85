import test from 'ava';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { execaNode } from 'execa';
import { commitEntry } from '../test/fixtures/remote-entries.ts';
import { mountTmpfs } from '../test/fixtures/tmpfs.ts';
import { RemoteConfigError, RemoteError } from './errors.ts';
import { sha256Hex } from './hash.ts';
import { DirRemote, tmpSuffix } from './remote-dir.ts';
import { compareEntries, openRemote, pullEntries, pushEntries, remoteLookup, type TransferReport } from './remote.ts';
import { CacheStore } from './store.ts';

const PUSHER = fileURLToPath(new URL('../test/fixtures/remote-push.ts', import.meta.url));

const tmp = (prefix: string) => mkdtempSync(path.join(tmpdir(), `sgdn-remote-${prefix}-`));
const freshCache = () => CacheStore.open(tmp('cache'));

async function filled(tags: string[], floats = 16): Promise<{ cache: CacheStore; keys: string[] }> {
  const cache = freshCache();
  const keys: string[] = [];
  for (const tag of tags) keys.push(await commitEntry(cache, tag, floats));
  return { cache, keys };
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

const tempFiles = (dir: string) => filesUnder(dir).filter((f) => f.includes('.tmp-'));

/** Writes over a remote file (they are written read-only, as they are never changed). */
function overwrite(file: string, change: (bytes: Buffer) => Buffer): void {
  chmodSync(file, 0o644);
  writeFileSync(file, change(readFileSync(file)));
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid;
}

test('push then pull into a fresh cache gives byte-identical outputs and the same manifests; a second push transfers nothing', async (t) => {
  const { cache, keys } = await filled(['a', 'b', 'c'], 1000);
  const root = tmp('dir');
  const remote = await openRemote(root);
  const first = await pushEntries(cache, remote, keys);
  t.deepEqual(first.entries, { transferred: 3, present: 0, missing: 0, corrupt: 0 });
  t.is(first.blobs.transferred, 6);
  t.true(first.bytes.transferred > 3 * 8000);
  t.deepEqual(first.transferred.sort(), [...keys].sort());
  t.deepEqual(
    filesUnder(root).filter((f) => f.startsWith('manifests')),
    keys.map((k) => `manifests/${k}.json`).sort(),
  );
  t.deepEqual(tempFiles(root), []);

  const second = await pushEntries(cache, remote, keys);
  t.deepEqual(second.entries, { transferred: 0, present: 3, missing: 0, corrupt: 0 });
  t.deepEqual(second.blobs, { transferred: 0, present: 6 });
  t.is(second.bytes.transferred, 0);
  t.is(second.bytes.present, first.bytes.transferred);

  const fresh = freshCache();
  const pulled = await pullEntries(remote, fresh, keys);
  t.deepEqual(pulled.entries, { transferred: 3, present: 0, missing: 0, corrupt: 0 });
  t.is(pulled.bytes.transferred, first.bytes.transferred);
  for (const key of keys) {
    const hit = fresh.lookup(key);
    t.is(hit.status, 'hit');
    t.deepEqual(fresh.getManifest(key), cache.getManifest(key));
    for (const ref of Object.values(cache.getManifest(key)!.outputs))
      t.deepEqual(Buffer.from(fresh.blobBytes(ref.blob)!), Buffer.from(cache.blobBytes(ref.blob)!));
    t.is(await remoteLookup(remote, key), 'present');
  }
  const again = await pullEntries(remote, fresh, keys);
  t.deepEqual(again.entries, { transferred: 0, present: 3, missing: 0, corrupt: 0 });
  t.is(again.bytes.transferred, 0);
});

test('keys the source lacks are reported as missing, not errors', async (t) => {
  const { cache, keys } = await filled(['m1']);
  const other = await filled(['m2']);
  const remote = await openRemote(pathToFileURL(tmp('dir')).href);
  const pushed = await pushEntries(cache, remote, [...keys, ...other.keys]);
  t.deepEqual(pushed.missing, other.keys);
  t.is(pushed.entries.missing, 1);
  const pulled = await pullEntries(remote, freshCache(), [...keys, ...other.keys]);
  t.deepEqual(pulled.missing, other.keys);
  t.is(await remoteLookup(remote, other.keys[0]!), 'absent');
});

test('concurrent pushes of the same keys from two processes both succeed and leave one valid entry per key', async (t) => {
  const tags = Array.from({ length: 12 }, (_, i) => `race${i}`);
  // Two "machines": separate local caches with the same keys and blobs, manifests differing in createdAt and host.
  const dirs: string[] = [];
  let keys: string[] = [];
  for (let i = 0; i < 2; i++) {
    const { cache, keys: k } = await filled(tags, 200_000);
    keys = k;
    dirs.push(cache.dir);
    await cache.close();
  }
  const root = tmp('dir');
  const go = path.join(root, '..', `${path.basename(root)}.go`);
  const pushers = dirs.map((dir) => execaNode(PUSHER, [dir, root, go]));
  await new Promise((r) => setTimeout(r, 1500)); // both processes loaded and waiting
  writeFileSync(go, '');
  const results = await Promise.all(pushers);
  const reports = results.map((r) => JSON.parse(r.stdout) as TransferReport);
  for (const r of results) t.is(r.exitCode, 0, r.stderr);
  for (const key of keys) {
    const by = reports.map((r) => r.transferred.includes(key));
    t.is(by.filter(Boolean).length, 1, `exactly one process wrote the manifest of ${key.slice(0, 12)}`);
  }
  for (const r of reports) t.is(r.entries.transferred + r.entries.present, tags.length);
  t.deepEqual(tempFiles(root), []);
  const remote = await openRemote(root);
  const fresh = freshCache();
  const pulled = await pullEntries(remote, fresh, keys);
  t.is(pulled.entries.transferred, tags.length);
  t.deepEqual(pulled.corrupt, []);
  for (const key of keys) t.is(fresh.lookup(key).status, 'hit');
});

test('a push killed (kill -9) mid-file leaves no manifest and nothing trusted; the next push cleans up and completes it', async (t) => {
  const { cache, keys } = await filled(['big'], 8 << 20); // a 64 MiB blob
  const [key] = keys as [string];
  let caught: string[] = [];
  let root = '';
  for (let attempt = 0; attempt < 5 && caught.length === 0; attempt++) {
    root = tmp('dir');
    const child = execaNode(PUSHER, [cache.dir, root], { reject: false });
    const blobs = path.join(root, 'blobs');
    // Kill the moment a temporary blob file shows up: the writer is inside that file.
    while (child.exitCode === null && caught.length === 0) {
      const partial = tempFiles(blobs);
      if (partial.length > 0) {
        child.kill('SIGKILL');
        caught = partial;
      }
      await new Promise((r) => setImmediate(r));
    }
    const done = await child;
    if (caught.length > 0) t.is(done.signal, 'SIGKILL');
  }
  t.true(caught.length > 0, 'the pushing process was killed while writing a blob');
  const remote = await openRemote(root);
  t.false(existsSync(path.join(root, 'manifests', `${key}.json`)), 'no manifest');
  t.is(await remoteLookup(remote, key), 'absent');
  t.deepEqual((await pullEntries(remote, freshCache(), keys)).missing, keys);
  // Whatever reached a final name is intact (content-addressed files appear only whole).
  for (const f of filesUnder(path.join(root, 'blobs')).filter((f) => !f.includes('.tmp-'))) {
    t.is(sha256Hex(readFileSync(path.join(root, 'blobs', f))), path.basename(f));
  }
  t.true(tempFiles(root).length > 0, 'the dead writer left its temporary file');

  const next = await pushEntries(cache, remote, keys);
  t.deepEqual(next.transferred, keys);
  t.true(next.cleaned.length > 0);
  t.deepEqual(tempFiles(root), []);
  t.is(await remoteLookup(remote, key), 'present');
});

test('temporary files of dead writers are ignored by readers and removed by push; those of live or recent foreign writers stay', async (t) => {
  const { cache, keys } = await filled(['t1'], 4000);
  const [key] = keys as [string];
  const root = tmp('dir');
  const remote = DirRemote.open(root);
  const manifest = cache.getManifest(key)!;
  const blob = Object.values(manifest.outputs)[0]!.blob;
  const dead = deadPid();
  // A dead writer's partial blob and partial manifest, written under their temporary names.
  const partialBlob = `${remote.blobPath(blob)}${tmpSuffix(dead)}`;
  const partialManifest = `${remote.manifestPath(key)}${tmpSuffix(dead)}`;
  const oldForeign = `${remote.blobPath(blob)}${tmpSuffix(123, 'elsewhere')}`;
  const newForeign = `${remote.blobPath(blob)}${tmpSuffix(124, 'elsewhere')}`;
  const live = `${remote.blobPath(blob)}${tmpSuffix(process.pid)}`;
  mkdirSync(path.dirname(partialBlob), { recursive: true });
  mkdirSync(path.dirname(partialManifest), { recursive: true });
  const bytes = Buffer.from(cache.blobBytes(blob)!);
  for (const f of [partialBlob, oldForeign, newForeign, live]) writeFileSync(f, bytes.subarray(0, 100));
  writeFileSync(partialManifest, '{"format":1,"dig');
  const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600_000);
  utimesSync(oldForeign, twoDaysAgo, twoDaysAgo);
  t.is(await remoteLookup(remote, key), 'absent', 'a temporary manifest is not a manifest');
  const report = await pushEntries(cache, remote, keys);
  t.deepEqual(report.cleaned.sort(), [partialBlob, partialManifest, oldForeign].sort());
  t.deepEqual(report.transferred, keys);
  t.deepEqual(
    tempFiles(root)
      .map((f) => path.join(root, f))
      .sort(),
    [newForeign, live].sort(),
  );
  t.is(await remoteLookup(remote, key), 'present');
});

test('truncated and bit-flipped blobs, a manifest naming a missing blob and a bad manifest are reported on pull, not imported; push repairs them', async (t) => {
  const { cache, keys } = await filled(['ok', 'trunc', 'flip', 'gone', 'garbage', 'misfiled'], 500);
  const [ok, trunc, flip, gone, garbage, misfiled] = keys as [string, string, string, string, string, string];
  const root = tmp('dir');
  const remote = DirRemote.open(root);
  await pushEntries(cache, remote, keys);
  const blobOf = (key: string) => remote.blobPath(cache.getManifest(key)!.outputs.w!.blob);
  truncateSync(blobOf(trunc), 1000);
  overwrite(blobOf(flip), (b) => {
    b[1234] ^= 0x10;
    return b;
  });
  chmodSync(path.dirname(blobOf(gone)), 0o755);
  rmSync(blobOf(gone));
  overwrite(remote.manifestPath(garbage), (b) => b.subarray(0, 40));
  // A valid manifest file under another key's name.
  overwrite(remote.manifestPath(misfiled), () => readFileSync(remote.manifestPath(ok)));

  const fresh = freshCache();
  const pulled = await pullEntries(remote, fresh, keys);
  t.deepEqual(pulled.transferred, [ok]);
  t.is(pulled.entries.corrupt, 5);
  const reasons = new Map(pulled.corrupt.map((c) => [c.key, c]));
  for (const c of pulled.corrupt) t.deepEqual([c.side, c.repaired], ['remote', false]);
  t.regex(reasons.get(trunc)!.reason, new RegExp(`${blobOf(trunc)} has 1000 bytes, the manifest says 4000 \\(truncated`));
  t.regex(reasons.get(flip)!.reason, new RegExp(`${blobOf(flip)} does not match its hash`));
  t.regex(reasons.get(gone)!.reason, new RegExp(`${blobOf(gone)} is missing`));
  t.regex(reasons.get(garbage)!.reason, new RegExp(`${remote.manifestPath(garbage)}: not a JSON manifest file`));
  t.regex(reasons.get(misfiled)!.reason, /filed under another key/);
  for (const key of [trunc, flip, gone, garbage, misfiled]) t.is(fresh.lookup(key).status, 'miss', `${key.slice(0, 12)} not imported`);
  t.is(fresh.lookup(ok).status, 'hit');
  t.regex(((await remoteLookup(remote, flip)) as { corrupt: string }).corrupt, /does not match its hash/);
  t.regex(((await remoteLookup(remote, gone)) as { corrupt: string }).corrupt, /is missing/);

  const statuses = await compareEntries(fresh, remote, keys);
  t.deepEqual(
    statuses.map((s) => s.remote),
    ['present', 'corrupt', 'corrupt', 'corrupt', 'corrupt', 'corrupt'],
  );

  const repair = await pushEntries(cache, remote, keys);
  t.deepEqual(repair.corrupt.map((c) => [c.key, c.side, c.repaired]).sort(), [trunc, flip, gone, garbage, misfiled].map((k) => [k, 'remote', true]).sort());
  t.is(repair.entries.transferred, 5);
  for (const key of keys) t.is(await remoteLookup(remote, key), 'present');
  t.is((await pullEntries(remote, fresh, keys)).entries.transferred, 5);
});

test('a corrupt local entry is not pushed and is repaired by a pull', async (t) => {
  const { cache, keys } = await filled(['l1'], 100);
  const [key] = keys as [string];
  const remote = await openRemote(tmp('dir'));
  await pushEntries(cache, remote, keys);
  const ref = cache.getManifest(key)!.outputs.w!;
  await cache.unsafePutBlob(ref.blob, new Uint8Array(ref.bytes));
  const pushed = await pushEntries(cache, remote, keys);
  t.deepEqual(
    pushed.corrupt.map((c) => [c.side, c.repaired]),
    [['local', false]],
  );
  const pulled = await pullEntries(remote, cache, keys);
  t.deepEqual(pulled.transferred, keys);
  t.deepEqual(
    pulled.corrupt.map((c) => [c.side, c.repaired]),
    [['local', true]],
  );
  t.is(cache.lookup(key).status, 'hit');
});

test('openRemote: a missing directory, a file, an unsupported scheme and a file:// URL with a host are one-line errors', async (t) => {
  const root = tmp('dir');
  const missing = path.join(root, 'nope');
  const e1 = await t.throwsAsync(openRemote(missing), { instanceOf: RemoteConfigError });
  t.is(e1.message, `remote directory ${missing} does not exist; create it on a filesystem every node mounts, or fix --remote / $SGD_NOISE_REMOTE`);
  writeFileSync(path.join(root, 'f'), '');
  await t.throwsAsync(openRemote(path.join(root, 'f')), { instanceOf: RemoteConfigError, message: /is not a directory/ });
  await t.throwsAsync(openRemote('s3://bucket/x'), {
    instanceOf: RemoteConfigError,
    message: /unsupported scheme 's3:'; supported: a directory path, or a file:\/\/ URL/,
  });
  await t.throwsAsync(openRemote('file://server/x'), { instanceOf: RemoteConfigError, message: /not one on host 'server'/ });
  t.is((await openRemote(pathToFileURL(root).href)).location, root);
  for (const e of [e1]) t.false(e.message.includes('\n'));
});

test('an unwritable remote fails with one line naming the directory and the cause, and writes nothing', async (t) => {
  const fs = await mountTmpfs('1m');
  if (typeof fs === 'string') {
    t.log(fs);
    t.pass();
    return;
  }
  try {
    await fs.remount('ro');
    const { cache, keys } = await filled(['ro']);
    const remote = await openRemote(fs.dir);
    const err = await t.throwsAsync(pushEntries(cache, remote, keys), { instanceOf: RemoteError });
    t.regex(
      err.message,
      new RegExp(`^remote ${fs.dir}: cannot create ${fs.dir}/blobs \\(read-only file system, EROFS\\); mount the shared filesystem read-write`),
    );
    t.false(err.message.includes('\n'));
    t.deepEqual(await pullEntries(remote, freshCache(), keys).then((r) => r.missing), keys, 'reading a read-only remote works');
  } finally {
    await fs.unmount();
  }
});
