import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DatasetFileError, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, encodeIdx, readIdx } from './idx.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-idx-'));
const images = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => i);

test('reads plain and gzipped IDX files', (t) => {
  const raw = encodeIdx(IDX_IMAGES_MAGIC, [3, 4, 5], images);
  writeFileSync(path.join(dir, 'a.idx'), raw);
  writeFileSync(path.join(dir, 'a.idx.gz'), gzipSync(raw));
  for (const f of ['a.idx', 'a.idx.gz']) {
    const arr = readIdx(path.join(dir, f), IDX_IMAGES_MAGIC);
    t.deepEqual(arr.shape, [3, 4, 5]);
    t.deepEqual(Array.from(arr.data), Array.from(images));
  }
});

test('a wrong magic number names the file and both numbers', (t) => {
  const file = path.join(dir, 'labels-as-images.gz');
  writeFileSync(file, gzipSync(encodeIdx(IDX_LABELS_MAGIC, [3], new Uint8Array([1, 2, 3]))));
  const err = t.throws(() => readIdx(file, IDX_IMAGES_MAGIC), { instanceOf: DatasetFileError });
  t.is(err?.message, `${file}: wrong magic number 2049, expected 2051 (images)`);
});

test('a truncated file names the file and the lengths', (t) => {
  const file = path.join(dir, 'short.gz');
  writeFileSync(file, gzipSync(encodeIdx(IDX_IMAGES_MAGIC, [3, 4, 5], images).subarray(0, 40)));
  const err = t.throws(() => readIdx(file, IDX_IMAGES_MAGIC), { instanceOf: DatasetFileError });
  t.is(err?.message, `${file}: truncated: 40 bytes, header [3, 4, 5] implies 76`);
});

test('a broken gzip stream and a missing file are named', (t) => {
  const file = path.join(dir, 'broken.gz');
  writeFileSync(file, gzipSync(encodeIdx(IDX_LABELS_MAGIC, [3], new Uint8Array([1, 2, 3]))).subarray(0, 15));
  t.throws(() => readIdx(file, IDX_LABELS_MAGIC), { message: new RegExp(`^${file.replace(/[.]/g, '\\.')}: corrupt gzip stream`) });
  t.throws(() => readIdx(path.join(dir, 'nope.gz'), IDX_LABELS_MAGIC), { message: /nope\.gz: cannot read \(ENOENT\)/ });
});
