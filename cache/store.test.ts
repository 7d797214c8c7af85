import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashJson } from './hash.ts';
import { CacheStore, type PendingManifest } from './store.ts';
import { NDArray } from './values.ts';

function freshStore(): CacheStore {
  return CacheStore.open(mkdtempSync(path.join(tmpdir(), 'sgdn-store-')));
}

function pending(key: string): PendingManifest {
  return {
    key,
    stage: 'toy',
    instance: 'toy',
    params: {},
    version: 1,
    config: { 'a.b': 1 },
    inputs: {},
    seed: null,
    createdAt: new Date(0).toISOString(),
    durationMs: 1,
    host: { node: process.version, platform: process.platform, pid: process.pid },
    meta: {},
  };
}

test('commit then read gives back equal arrays and JSON', async (t) => {
  const store = freshStore();
  const key = hashJson({ k: 1 });
  const w = new Float32Array([1.5, -2, 3.25, 0, 7, 8]);
  await store.commit(pending(key), { w: new NDArray(w, [2, 3]), ids: new Int32Array([4, 5]), stats: { loss: 0.5, tag: 'x' } });
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
  await store.commit(pending(hashJson(1)), { a: data });
  await store.commit(pending(hashJson(2)), { b: data });
  t.is(store.blobStats().count, 1);
});

test('a second commit of the same key keeps the first', async (t) => {
  const store = freshStore();
  const key = hashJson('same');
  const first = await store.commit({ ...pending(key), durationMs: 5 }, { x: 1 });
  const second = await store.commit({ ...pending(key), durationMs: 9 }, { x: 1 });
  t.is(second.durationMs, first.durationMs);
});

test('a blob whose bytes changed is reported corrupt, and reading it throws', async (t) => {
  const store = freshStore();
  const key = hashJson('c');
  const m = await store.commit(pending(key), { v: new Float32Array([1, 2, 3]) });
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
  const key = hashJson('m');
  await store.commit(pending(key), { v: 1 });
  // Overwrite the manifest with an invalid record through the same environment.
  const manifests = (store as unknown as { manifests: { put(k: string, v: unknown): Promise<boolean> } }).manifests;
  await manifests.put(key, { format: 1, key, stage: 42 });
  const res = store.lookup(key);
  t.is(res.status, 'corrupt');
  if (res.status === 'corrupt') t.regex(res.reason, /fails validation at stage/);
});

test('gc keeps reachable entries and the blobs they use, removes the rest, and compacts', async (t) => {
  const store = freshStore();
  const keep = hashJson('keep');
  const drop = hashJson('drop');
  await store.commit(pending(keep), { a: new Float64Array(10_000).fill(1) });
  await store.commit(pending(drop), { b: new Float64Array(200_000).fill(2) });
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
  const fp = { key: hashJson(1), version: 1, config: { a: 1 }, inputs: {}, at: 'now' };
  await store.recordFingerprint('quick', 'x', fp);
  t.deepEqual(store.getFingerprint('quick', 'x'), fp);
  t.is(store.getFingerprint('paper', 'x'), undefined);
});
