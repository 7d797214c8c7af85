/**
 * CIFAR-10, binary version: files of records of 1 label byte + 3072 pixel bytes (R, G, B planes of 32×32).
 * Decoded to NHWC bytes so that every image model sees the same layout.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DatasetFileError } from './idx.ts';

/** Bytes per record: label + 3·32·32 pixels. */
export const CIFAR_RECORD_BYTES = 1 + 3 * 32 * 32;
/** The training files of the binary version. */
export const CIFAR_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
/** The test file of the binary version. */
export const CIFAR_TEST_FILES = ['test_batch.bin'];
/** The official archive and its MD5 (from the dataset's page). */
export const CIFAR_OFFICIAL = { url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530' };

/** Images as NHWC bytes (N×32×32×3) with labels 0..9. */
export interface ImageSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** Decodes CIFAR-10 binary records; errors name the file, its length and the bad label's position. */
export function parseCifarRecords(bytes: Uint8Array, file: string, limit = Number.POSITIVE_INFINITY): ImageSet {
  if (bytes.byteLength === 0 || bytes.byteLength % CIFAR_RECORD_BYTES !== 0) {
    throw new DatasetFileError(file, `truncated or not CIFAR-10 binary: ${bytes.byteLength} bytes is not a multiple of ${CIFAR_RECORD_BYTES}`);
  }
  const count = Math.min(bytes.byteLength / CIFAR_RECORD_BYTES, limit);
  const images = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const rec = n * CIFAR_RECORD_BYTES;
    const label = bytes[rec]!;
    if (label > 9) throw new DatasetFileError(file, `label ${label} of record ${n} is outside 0..9 (not CIFAR-10 binary?)`);
    labels[n] = label;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) images[n * 3072 + p * 3 + c] = bytes[rec + 1 + c * 1024 + p]!;
    }
  }
  return { images, labels, count, height: 32, width: 32, channels: 3 };
}

/** Reads and concatenates the training or test files from a `cifar-10-batches-bin` directory. */
export function readCifar10(dir: string, split: 'train' | 'test', limit = Number.POSITIVE_INFINITY): ImageSet {
  const files = (split === 'train' ? CIFAR_TRAIN_FILES : CIFAR_TEST_FILES).map((f) => path.join(dir, f));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) throw new DatasetFileError(dir, `CIFAR-10 directory lacks ${missing.map((f) => path.basename(f)).join(', ')}`);
  const parts: ImageSet[] = [];
  let remaining = limit;
  for (const f of files) {
    if (remaining <= 0) break;
    const part = parseCifarRecords(readFileSync(f), f, remaining);
    parts.push(part);
    remaining -= part.count;
  }
  return concatSets(parts);
}

/** Concatenates image sets of equal geometry. */
export function concatSets(parts: ImageSet[]): ImageSet {
  const count = parts.reduce((a, p) => a + p.count, 0);
  const first = parts[0]!;
  const images = new Uint8Array(count * first.height * first.width * first.channels);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const p of parts) {
    images.set(p.images, n * first.height * first.width * first.channels);
    labels.set(p.labels, n);
    n += p.count;
  }
  return { ...first, images, labels, count };
}
