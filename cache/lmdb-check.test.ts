import test from 'ava';
import { copyFileSync, mkdirSync, mkdtempSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { leafPagesOf, randomizeCacheFile, truncateCacheFile, xorPageHeader } from '../test/fixtures/damage.ts';
import { entryKey } from './entry-key.ts';
import { CacheFileDamagedError } from './errors.ts';
import { checkLmdbFile } from './lmdb-check.ts';
import { CacheStore } from './store.ts';

/** A closed cache with `n` entries, each with a 40 kB blob on overflow pages; returns its directory. */
async function healthyCache(n = 30): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-check-'));
  const store = CacheStore.open(dir);
  for (let i = 0; i < n; i++) {
    const fields = { stage: 's', params: { i }, version: 1, config: { 'a.long.config.key': 'x'.repeat(300) }, inputs: {} };
    await store.commit(
      {
        key: entryKey(fields),
        instance: `s[i=${i}]`,
        ...fields,
        seed: null,
        createdAt: 'now',
        durationMs: 1,
        host: { node: '', platform: '', pid: 1 },
        meta: {},
      },
      { w: new Float64Array(5000).fill(i) },
    );
  }
  await store.close();
  return dir;
}

/** A copy of the cache in `dir`, to damage. */
function copy(dir: string): string {
  const to = mkdtempSync(path.join(tmpdir(), 'sgdn-check-copy-'));
  mkdirSync(to, { recursive: true });
  copyFileSync(path.join(dir, 'cache.mdb'), path.join(to, 'cache.mdb'));
  return to;
}

const file = (dir: string) => path.join(dir, 'cache.mdb');
let base: string;
test.before(async () => {
  base = await healthyCache();
});

test('a missing or empty file is fine (LMDB creates it)', (t) => {
  const r = checkLmdbFile(path.join(mkdtempSync(path.join(tmpdir(), 'sgdn-check-none-')), 'cache.mdb'));
  t.deepEqual(r, { ok: true, empty: true, fileBytes: 0, tables: {} });
});

test('a healthy file passes, with the counts of each table', (t) => {
  const r = checkLmdbFile(file(base));
  t.true(r.ok, r.ok ? '' : r.problem);
  if (!r.ok) return;
  t.is(r.tables.manifests!.entries, 30);
  t.is(r.tables.blobs!.entries, 30);
  t.true(r.tables.manifests!.leafPages > 1);
  t.true(r.tables.blobs!.overflowPages >= 30 * 10);
});

test('a truncated file is named with the length its meta page states', (t) => {
  const dir = copy(base);
  truncateCacheFile(dir, 0.5);
  const r = checkLmdbFile(file(dir));
  t.false(r.ok);
  if (r.ok) return;
  t.is(r.kind, 'truncated');
  t.regex(r.problem, /^truncated: the file is \d+ bytes, but its newest meta page \(transaction \d+\) says it holds pages 0–\d+ of 4096 bytes, \d+ bytes$/);
  t.true(r.neededBytes! > 0);
  t.throws(() => CacheStore.open(dir), { instanceOf: CacheFileDamagedError, message: /is damaged \(truncated: .*\); move it aside; `sgd-noise cache verify`/ });
});

test('a file of random bytes has no meta page', (t) => {
  const dir = copy(base);
  randomizeCacheFile(dir);
  const r = checkLmdbFile(file(dir));
  t.false(r.ok);
  if (!r.ok) {
    t.is(r.kind, 'meta');
    t.regex(r.problem, /meta page 0 \(offset 0\) does not start with LMDB's magic number 0xbeefc0de/);
  }
});

test('an XORed page header is caught by the page number in it', (t) => {
  const dir = copy(base);
  const leaf = leafPagesOf(dir, 'manifests')[1]!;
  xorPageHeader(dir, leaf);
  const r = checkLmdbFile(file(dir));
  t.false(r.ok);
  if (!r.ok) t.regex(r.problem, new RegExp(`table 'manifests', page ${leaf}: its header names page \\d+ \\(page header overwritten\\)`));
});

test('a leaf that lost a node (so a walk lists too few entries) contradicts the table record', (t) => {
  const dir = copy(base);
  const leaf = leafPagesOf(dir, 'manifests')[0]!;
  const fd = openSync(file(dir), 'r+');
  const lower = Buffer.alloc(2);
  readSync(fd, lower, 0, 2, leaf * 4096 + 20);
  lower.writeUInt16LE(lower.readUInt16LE(0) - 2);
  writeSync(fd, lower, 0, 2, leaf * 4096 + 20);
  closeSync(fd);
  const r = checkLmdbFile(file(dir));
  t.false(r.ok);
  if (!r.ok) t.regex(r.problem, /table 'manifests': its record counts 30 entries, its pages hold 29/);
});

/** Adds `pages` to mm_last_pg of both meta pages, as if that many pages past the end had been allocated. */
function raiseLastPage(dir: string, pages: number): void {
  const fd = openSync(file(dir), 'r+');
  for (const slot of [0, 1]) {
    const b = Buffer.alloc(8);
    readSync(fd, b, 0, 8, slot * 4096 + 24 + 24 + 96);
    b.writeBigUInt64LE(b.readBigUInt64LE(0) + BigInt(pages));
    writeSync(fd, b, 0, 8, slot * 4096 + 24 + 24 + 96);
  }
  closeSync(fd);
}

test('a meta page pointing far past the end of the data is caught as truncation', (t) => {
  const dir = copy(base);
  raiseLastPage(dir, 10_000_000);
  const r = checkLmdbFile(file(dir));
  t.false(r.ok);
  if (!r.ok) t.is(r.kind, 'truncated');
});

test('a few never-written free pages missing at the end are not damage when every reachable page is there', (t) => {
  const dir = copy(base);
  raiseLastPage(dir, 3); // LMDB's own comment: the file may be shorter if the free list holds the final pages
  t.true(checkLmdbFile(file(dir)).ok);
});
