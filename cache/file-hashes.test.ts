import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileHashCache, sha256File } from './file-hashes.ts';

/** Writes `content` to `file` through a new inode (temp + rename, as `cp` to a temp name and `mv` do) with an mtime `ageS` in the past. */
function writeAged(file: string, content: string, ageS: number): void {
  writeFileSync(`${file}.tmp`, content);
  const t = Date.now() / 1000 - ageS;
  utimesSync(`${file}.tmp`, t, t);
  renameSync(`${file}.tmp`, file);
}

test('sha256File hashes the bytes', (t) => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'sgdn-fh-')), 'a');
  writeFileSync(file, 'hello');
  t.is(sha256File(file), createHash('sha256').update('hello').digest('hex'));
});

test('an unchanged file is not re-read, across processes (saved stat cache); a replaced or touched one is', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-fh-'));
  const file = path.join(dir, 'data.bin');
  const statFile = path.join(dir, 'file-hashes.json');
  writeAged(file, 'first', 60);
  const first = FileHashCache.load(statFile);
  const h1 = first.hash(file);
  t.is(h1, sha256File(file));
  t.is(first.hash(file), h1);
  t.deepEqual(first.counts, { hashed: 1, reused: 1 });
  first.save();

  const second = FileHashCache.load(statFile);
  t.is(second.hash(file), h1);
  t.deepEqual(second.counts, { hashed: 0, reused: 1 }, 'a fresh load trusts the saved entry');

  writeAged(file, 'other', 30);
  t.not(second.hash(file), h1, 'replaced content is seen');
  const t2 = Date.now() / 1000 - 20;
  utimesSync(file, t2, t2); // touched, same content
  t.is(second.hash(file), sha256File(file));
  t.deepEqual(second.counts, { hashed: 2, reused: 1 });
});

test('a file modified just before it was hashed is hashed again (racy entry), then trusted', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-fh-'));
  const file = path.join(dir, 'fresh.bin');
  writeFileSync(file, 'just written');
  const cache = FileHashCache.load();
  cache.hash(file);
  cache.hash(file);
  t.is(cache.counts.hashed, 2, 'an mtime within RACY_MS of the hash is not trusted');
});

test('a damaged stat cache file only costs re-hashing', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-fh-'));
  const file = path.join(dir, 'data.bin');
  writeAged(file, 'x', 60);
  writeFileSync(path.join(dir, 'file-hashes.json'), '{"format":1,"entries":{"oops');
  const cache = FileHashCache.load(path.join(dir, 'file-hashes.json'));
  t.is(cache.hash(file), sha256File(file));
  t.deepEqual(cache.counts, { hashed: 1, reused: 0 });
});
