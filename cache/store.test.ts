import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { entryKey } from './entry-key.ts';
import { CacheStore, type PendingManifest } from './store.ts';
import { NDArray } from './values.ts';

const byKey = new Map<string, PendingManifest>();
/** The key of the test entry tagged `tag` (its pending manifest is then {@link pendingFor}(key)). */
const keyOf = (tag: unknown): string => {
  const p = pending(tag);
  byKey.set(p.key, p);
  return p.key;
};
const pendingFor = (key: string): PendingManifest => byKey.get(key)!;

function freshStore(): CacheStore {
  return CacheStore.open(mkdtempSync(path.join(tmpdir(), 'sgdn-store-')));
}

/** A manifest whose key is proven by its fields; `tag` makes distinct entries. */
function pending(tag: unknown): PendingManifest {
  const fields = { stage: 'toy', params: {}, version: 1, config: { 'a.b': 1, tag: tag as never }, inputs: {} };
  return {
    key: entryKey(fields),
    instance: 'toy',
    ...fields,
    seed: null,
    createdAt: new Date(0).toISOString(),
    durationMs: 1,
    host: { node: process.version, platform: process.platform, pid: process.pid },
    meta: {},
  };
}

test('commit then read gives back equal arrays and JSON', async (t) => {
  const store = freshStore();
  const key = keyOf({ k: 1 });
  const w = new Float32Array([1.5, -2, 3.25, 0, 7, 8]);
  await store.commit(pendingFor(key), { w: new NDArray(w, [2, 3]), ids: new Int32Array([4, 5]), stats: { loss: 0.5, tag: 'x' } });
  const hit = store.lookup(key);
  t.is(hit.status, 'hit');
  if (hit.status !== 'hit') return;
  const out = store.readOutputs(hit.manifest);
  t.deepEqual((out.w as NDArray).shape, [2, 3]);
  t.deepEqual(Array.from((out.w as NDArray).data), Array.from(w));
  t.is((out.ids as NDArray).dtype, 'int32');
  t.deepEqual(out.stats, { loss: 0.5, tag: 'x' });
});

test('equal arrays are stored once', async (t) => {
  const store = freshStore();
  const data = new Float64Array(1000).fill(3);
  await store.commit(pendingFor(keyOf(1)), { a: data });
  await store.commit(pendingFor(keyOf(2)), { b: data });
  t.is(store.blobStats().count, 1);
});

test('a second commit of the same key keeps the first', async (t) => {
  const store = freshStore();
  const key = keyOf('same');
  const first = await store.commit({ ...pendingFor(key), durationMs: 5 }, { x: 1 });
  const second = await store.commit({ ...pendingFor(key), durationMs: 9 }, { x: 1 });
  t.is(second.durationMs, first.durationMs);
});

test('a blob whose bytes changed is reported corrupt, and reading it throws', async (t) => {
  const store = freshStore();
  const key = keyOf('c');
  const m = await store.commit(pendingFor(key), { v: new Float32Array([1, 2, 3]) });
  const blob = m.outputs.v!.blob;
  await store.unsafePutBlob(blob, new Uint8Array(12).fill(7));
  const res = store.lookup(key);
  t.is(res.status, 'corrupt');
  if (res.status === 'corrupt') {
    t.regex(res.reason, /output 'v' blob .* do not match its hash/);
    t.deepEqual(res.badBlobs, [blob]);
  }
  t.throws(() => store.readOutputs(m), { message: /does not match its hash/ });
  await store.invalidate(key, [blob]);
  t.is(store.lookup(key).status, 'miss');
});

test('a manifest that fails validation is reported corrupt with the failing path', async (t) => {
  const store = freshStore();
  const key = keyOf('m');
  await store.commit(pendingFor(key), { v: 1 });
  // Overwrite the manifest with an invalid record through the same environment.
  const manifests = (store as unknown as { manifests: { put(k: string, v: unknown): Promise<boolean> } }).manifests;
  await manifests.put(key, { format: 1, key, stage: 42 });
  const res = store.lookup(key);
  t.is(res.status, 'corrupt');
  if (res.status === 'corrupt') t.regex(res.reason, /fails validation at stage/);
});

test('gc keeps reachable entries and the blobs they use, removes the rest, and compacts', async (t) => {
  const store = freshStore();
  const keep = keyOf('keep');
  const drop = keyOf('drop');
  await store.commit(pendingFor(keep), { a: new Float64Array(10_000).fill(1) });
  await store.commit(pendingFor(drop), { b: new Float64Array(200_000).fill(2) });
  const dry = await store.gc(new Set([keep]), { dryRun: true });
  t.deepEqual(dry.manifests.removed, [drop]);
  t.true(store.has(drop));
  const report = await store.gc(new Set([keep]));
  t.deepEqual(report.manifests.removed, [drop]);
  t.is(report.blobs.removed, 1);
  t.false(store.has(drop));
  t.is(store.lookup(keep).status, 'hit');
  t.true(report.fileBytes.after < report.fileBytes.before, `${report.fileBytes.after} < ${report.fileBytes.before}`);
});

test('fingerprints are stored per scope and instance', async (t) => {
  const store = freshStore();
  const fp = { key: keyOf(1), version: 1, config: { a: 1 }, inputs: {}, at: 'now' };
  await store.recordFingerprint('quick', 'x', fp);
  t.deepEqual(store.getFingerprint('quick', 'x'), fp);
  t.is(store.getFingerprint('paper', 'x'), undefined);
});

test('a manifest edited in place no longer proves its key and is reported corrupt', async (t) => {
  const store = freshStore();
  const key = keyOf('edited');
  const committed = await store.commit(pendingFor(key), { v: new Float32Array([1, 2]) });
  const manifests = (store as unknown as { manifests: { put(k: string, v: unknown): Promise<boolean> } }).manifests;
  await manifests.put(key, { ...committed, config: { ...committed.config, 'a.b': 900 } });
  const res = store.lookup(key);
  t.is(res.status, 'corrupt');
  if (res.status === 'corrupt') t.regex(res.reason, /does not prove its key/);
  t.throws(() => store.getManifest(key), { message: /does not prove its key/ });
});

test('a manifest edited outside its key fields (its seed) fails its digest; one with no digest (older cache) is trusted by its key', async (t) => {
  const store = freshStore();
  const key = keyOf('digest');
  const committed = await store.commit(pendingFor(key), { v: 1 });
  const internals = store as unknown as { manifests: { put(k: string, v: unknown): Promise<boolean> }; digests: { remove(k: string): Promise<boolean> } };
  await internals.manifests.put(key, { ...committed, seed: 12345 });
  const res = store.lookup(key);
  t.is(res.status, 'corrupt');
  if (res.status === 'corrupt') t.regex(res.reason, /does not match its digest/);
  await internals.digests.remove(key); // as written by a version that kept no digests
  t.is(store.lookup(key).status, 'hit');
});
