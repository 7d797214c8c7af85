/**
 * A remote whose files are not what their names say, made with real FIFOs, symbolic links and directories: each is
 * refused and named, nothing blocks, nothing outside the remote is read or written.
 */
import test, { type ExecutionContext } from 'ava';
import { closeSync, constants, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { commitEntry } from '../test/fixtures/remote-entries.ts';
import { RemoteError } from './errors.ts';
import { DirRemote } from './remote-dir.ts';
import { pullEntries, pushEntries, remoteLookup } from './remote.ts';
import { CacheStore } from './store.ts';

const made: string[] = [];
const tmp = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), `sgdn-untrusted-${prefix}-`));
  made.push(dir);
  return dir;
};
test.after.always(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A cache with one entry, pushed to a fresh remote; the entry's key and the path of its array blob. */
async function pushedEntry(t: ExecutionContext, tag: string) {
  const cache = CacheStore.open(tmp('cache'));
  const key = await commitEntry(cache, tag, 64);
  const root = tmp('remote');
  const remote = DirRemote.open(root);
  await pushEntries(cache, remote, [key]);
  const hash = cache.getManifest(key)!.outputs.w!.blob;
  t.teardown(() => cache.close());
  return { cache, key, root, remote, hash, blob: remote.blobPath(hash), manifest: remote.manifestPath(key) };
}

/** Replaces `file` with a FIFO; on teardown a writer opens and closes it, so that a reader blocked on it (the old code) ends. */
function fifoAt(t: ExecutionContext, file: string): void {
  rmSync(file, { force: true });
  execFileSync('mkfifo', [file]);
  t.teardown(() => {
    try {
      closeSync(openSync(file, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // no reader was waiting (ENXIO)
    }
  });
}

/** Rejects after `ms`, so that a read that blocks fails the test instead of hanging it. */
function within<T>(work: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not return within ${ms / 1000} s (blocked?)`)), ms)));
  return Promise.race([work, hung]).finally(() => clearTimeout(timer));
}

const freshCache = (t: ExecutionContext) => {
  const cache = CacheStore.open(tmp('cache'));
  t.teardown(() => cache.close());
  return cache;
};

test('a FIFO where a blob belongs is named as such on pull (no hang, nothing imported) and replaced by the next push', async (t) => {
  const e = await pushedEntry(t, 'fifo');
  fifoAt(t, e.blob);
  const fresh = freshCache(t);
  const pulled = await within(pullEntries(e.remote, fresh, [e.key]), 'pull from a remote holding a FIFO');
  t.deepEqual(pulled.transferred, []);
  t.is(pulled.corrupt.length, 1);
  t.true(pulled.corrupt[0]!.reason.includes(`${e.blob} is a FIFO (named pipe), expected a regular file`), pulled.corrupt[0]!.reason);
  t.false(pulled.corrupt[0]!.reason.includes('\n'));
  t.false(fresh.has(e.key));
  const pushed = await within(pushEntries(e.cache, e.remote, [e.key]), 'push over a FIFO');
  t.is(pushed.corrupt[0]?.repaired, true);
  t.is(await remoteLookup(e.remote, e.key), 'present');
});

test('a FIFO where a manifest belongs is a corrupt entry, named, not a hang', async (t) => {
  const e = await pushedEntry(t, 'fifo-manifest');
  fifoAt(t, e.manifest);
  const lookup = await within(remoteLookup(e.remote, e.key), 'lookup of a FIFO manifest');
  t.deepEqual(lookup, {
    corrupt: `${e.manifest} is a FIFO (named pipe), expected a regular file; sgd-noise reads and writes only plain files and directories there (remove it)`,
  });
});

test('a blob that is a symbolic link is refused even when its target holds the right bytes (nothing is read through a link)', async (t) => {
  const e = await pushedEntry(t, 'link');
  const outside = path.join(tmp('outside'), 'copy');
  copyFileSync(e.blob, outside);
  rmSync(e.blob);
  symlinkSync(outside, e.blob);
  const pulled = await pullEntries(e.remote, freshCache(t), [e.key]);
  t.deepEqual(pulled.transferred, []);
  t.true(pulled.corrupt[0]!.reason.includes(`${e.blob} is a symbolic link (to ${outside}), expected a regular file`), pulled.corrupt[0]?.reason);
  const dev = await pushedEntry(t, 'dev-zero');
  rmSync(dev.blob);
  symlinkSync('/dev/zero', dev.blob);
  t.regex(
    ((await within(remoteLookup(dev.remote, dev.key), 'lookup of a link to /dev/zero')) as { corrupt: string }).corrupt,
    /is a symbolic link \(to \/dev\/zero\), expected a regular file/,
  );
});

test('a directory where a blob belongs is named on pull; a push cannot replace it and says so in one line', async (t) => {
  const e = await pushedEntry(t, 'dir');
  rmSync(e.blob);
  mkdirSync(e.blob);
  const pulled = await pullEntries(e.remote, freshCache(t), [e.key]);
  t.true(pulled.corrupt[0]!.reason.includes(`${e.blob} is a directory, expected a regular file`), pulled.corrupt[0]?.reason);
  const err = await t.throwsAsync(pushEntries(e.cache, e.remote, [e.key]), { instanceOf: RemoteError });
  t.true(err.message.startsWith(`remote ${e.root}: cannot write ${e.blob}`), err.message);
  t.false(err.message.includes('\n'));
});

test("a blob whose size is not the manifest's, and a manifest over the stated maximum, are refused before they are read", async (t) => {
  const e = await pushedEntry(t, 'size');
  rmSync(e.blob);
  writeFileSync(e.blob, '');
  truncateSync(e.blob, 1 << 30); // sparse: 1 GiB that would be read whole before
  t.regex(
    ((await remoteLookup(e.remote, e.key)) as { corrupt: string }).corrupt,
    new RegExp(`${e.blob} has 1073741824 bytes, the manifest says \\d+ \\(truncated or overwritten\\)`),
  );
  rmSync(e.manifest);
  writeFileSync(e.manifest, '');
  truncateSync(e.manifest, 64 << 20);
  t.deepEqual(await remoteLookup(e.remote, e.key), { corrupt: `${e.manifest} has ${64 << 20} bytes, more than the ${16 << 20} accepted` });
});

for (const sub of ['blobs', 'manifests', 'blobs/<ab>']) {
  test(`a push refuses a remote whose ${sub}/ is a symbolic link out of it, naming the path, and writes nothing there`, async (t) => {
    const cache = CacheStore.open(tmp('cache'));
    t.teardown(() => cache.close());
    const key = await commitEntry(cache, `out-${sub}`, 64);
    const hash = cache.getManifest(key)!.outputs.w!.blob;
    const root = tmp('remote');
    const outside = tmp('outside');
    const linked = path.join(root, sub.replace('<ab>', hash.slice(0, 2)));
    mkdirSync(path.dirname(linked), { recursive: true });
    symlinkSync(outside, linked);
    const err = await t.throwsAsync(pushEntries(cache, DirRemote.open(root), [key]), { instanceOf: RemoteError });
    t.true(err.message.includes(`${linked} is a symbolic link (to ${outside}), expected a directory`), err.message);
    t.false(err.message.includes('\n'));
    t.deepEqual(readdirSync(outside), [], 'nothing was written outside the remote');
  });
}

test('pulling from a remote whose blobs/ is a link out of it fails in one line naming the link, and imports nothing', async (t) => {
  const e = await pushedEntry(t, 'linked-read');
  const moved = path.join(tmp('outside'), 'blobs');
  execFileSync('mv', [path.join(e.root, 'blobs'), moved]);
  symlinkSync(moved, path.join(e.root, 'blobs'));
  const fresh = freshCache(t);
  const err = await t.throwsAsync(pullEntries(e.remote, fresh, [e.key]), { instanceOf: RemoteError });
  t.true(err.message.includes(`${path.join(e.root, 'blobs')} is a symbolic link (to ${moved}), expected a directory`), err.message);
  t.false(err.message.includes('\n'));
  t.false(fresh.has(e.key));
});
