/**
 * SVHN cropped digits (train_32x32.mat, test_32x32.mat): X is 32×32×3×N uint8 (column-major), y is N×1 with labels
 * 1..10 where 10 stands for the digit 0. Decoded to NHWC bytes with labels 0..9.
 */
import { readFileSync } from 'node:fs';
import type { ImageSet } from './cifar10.ts';
import { DatasetFileError } from './idx.ts';
import { parseMat5 } from './mat5.ts';

/** The official files and their MD5s (from the dataset's page). */
export const SVHN_OFFICIAL = {
  train: { url: 'http://ufldl.stanford.edu/housenumbers/train_32x32.mat', md5: 'e26dedcc434d2e4c54c9b2d4a06d8373' },
  test: { url: 'http://ufldl.stanford.edu/housenumbers/test_32x32.mat', md5: 'eb5a983be6a315427106f1b164d9cef3' },
};

/** Decodes an SVHN .mat file's bytes. */
export function parseSvhn(bytes: Uint8Array, file: string, limit = Number.POSITIVE_INFINITY): ImageSet {
  const vars = parseMat5(bytes, file);
  const X = vars.get('X');
  const y = vars.get('y');
  if (!X || !y) throw new DatasetFileError(file, `expected variables X and y, found ${[...vars.keys()].join(', ') || 'none'}`);
  const [h, w, c, n] = X.dims as [number, number, number, number];
  if (X.dims.length !== 4 || h !== 32 || w !== 32 || c !== 3) throw new DatasetFileError(file, `X has dimensions [${X.dims.join('×')}], expected 32×32×3×N`);
  if (y.data.length !== n) throw new DatasetFileError(file, `y has ${y.data.length} labels for ${n} images`);
  const count = Math.min(n, limit);
  const images = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    const label = y.data[k]!;
    if (!(label >= 1 && label <= 10)) throw new DatasetFileError(file, `label ${label} of image ${k} is outside 1..10`);
    labels[k] = label % 10;
    for (let r = 0; r < 32; r++) {
      for (let col = 0; col < 32; col++) {
        for (let ch = 0; ch < 3; ch++) images[k * 3072 + (r * 32 + col) * 3 + ch] = X.data[r + 32 * col + 1024 * ch + 3072 * k]!;
      }
    }
  }
  return { images, labels, count, height: 32, width: 32, channels: 3 };
}

/** Reads an SVHN .mat file from disk. */
export function readSvhn(file: string, limit?: number): ImageSet {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new DatasetFileError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseSvhn(bytes, file, limit);
}
