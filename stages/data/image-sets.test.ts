import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { CIFAR_RECORD_BYTES, CIFAR_TEST_FILES, readCifar10, parseCifarRecords } from './cifar10.ts';
import { encodeMat5, parseMat5 } from './mat5.ts';
import { readSvhn } from './svhn.ts';

/** pixel value of image n, row r, column c, channel ch in the synthetic sets: distinct for small sizes */
const pixel = (n: number, r: number, c: number, ch: number) => (n * 7 + r * 3 + c * 5 + ch * 11) % 256;

test('CIFAR-10 binary records decode to NHWC with labels', (t) => {
  const n = 3;
  const bytes = new Uint8Array(n * CIFAR_RECORD_BYTES);
  for (let k = 0; k < n; k++) {
    bytes[k * CIFAR_RECORD_BYTES] = (k * 4) % 10;
    for (let ch = 0; ch < 3; ch++)
      for (let r = 0; r < 32; r++) for (let c = 0; c < 32; c++) bytes[k * CIFAR_RECORD_BYTES + 1 + ch * 1024 + r * 32 + c] = pixel(k, r, c, ch);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-cifar-'));
  writeFileSync(path.join(dir, CIFAR_TEST_FILES[0]!), bytes);
  const set = readCifar10(dir, 'test');
  t.is(set.count, 3);
  t.deepEqual(Array.from(set.labels), [0, 4, 8]);
  t.is(set.images[2 * 3072 + (5 * 32 + 9) * 3 + 1], pixel(2, 5, 9, 1));
  t.throws(() => parseCifarRecords(bytes.subarray(0, 5000), 'x.bin'), { message: /x\.bin: truncated or not CIFAR-10 binary: 5000 bytes/ });
  t.throws(() => readCifar10(dir, 'train'), { message: /lacks data_batch_1\.bin/ });
});

for (const compress of [false, true]) {
  test(`SVHN .mat (level 5, ${compress ? 'compressed' : 'plain'}) decodes X column-major to NHWC and maps label 10 to 0`, (t) => {
    const n = 4;
    const X = new Uint8Array(32 * 32 * 3 * n);
    for (let k = 0; k < n; k++)
      for (let ch = 0; ch < 3; ch++) for (let c = 0; c < 32; c++) for (let r = 0; r < 32; r++) X[r + 32 * c + 1024 * ch + 3072 * k] = pixel(k, r, c, ch);
    const y = new Float64Array([10, 1, 5, 9]);
    const mat = encodeMat5(
      [
        { name: 'X', dims: [32, 32, 3, n], data: X },
        { name: 'y', dims: [n, 1], data: y },
      ],
      compress,
      deflateSync,
    );
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sgdn-svhn-')), 'test_32x32.mat');
    writeFileSync(file, mat);
    const set = readSvhn(file);
    t.deepEqual(Array.from(set.labels), [0, 1, 5, 9]);
    t.is(set.images[3 * 3072 + (7 * 32 + 30) * 3 + 2], pixel(3, 7, 30, 2));
    t.is(set.images[0], pixel(0, 0, 0, 0));
    writeFileSync(file, mat.subarray(0, mat.byteLength - 100));
    t.throws(() => readSvhn(file), { message: new RegExp(`${path.basename(file)}: (truncated|corrupt compressed)`) });
  });
}

test('a v7.3 (HDF5) MAT-file is refused with a clear message', (t) => {
  const header = new Uint8Array(512);
  header.set(new TextEncoder().encode('MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: HDF5 schema 1.00 .'));
  t.throws(() => parseMat5(header, 'train_32x32.mat'), { message: /train_32x32\.mat: is a MATLAB v7\.3 \(HDF5\) file/ });
});
