/**
 * The Fashion-MNIST experiment's data (paper §5): the first N training images, of which the last R get uniformly
 * random labels (seeded; which changed is recorded), and the test images; pixels scaled to (x − 127.5)/127.5.
 */
import type { Rng } from '../numerics/random.ts';
import type { FashionSplit } from '../data/fashion-mnist.ts';

/** The prepared training set (with the random labels) and test set, images as bytes N×28×28. */
export interface FashionExperimentData {
  trainImages: Uint8Array;
  /** Labels used for training: the original ones, except the last `randomLabels` examples. */
  trainLabels: Uint8Array;
  /** The dataset's own labels of the training images. */
  originalLabels: Uint8Array;
  /** 1 for the examples whose label was replaced by a random one (the last `randomLabels`), else 0. */
  randomized: Uint8Array;
  /** 1 where the random label differs from the original one. */
  changed: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

/**
 * Takes the first `n` training images and replaces the labels of `randomLabels` of them, from index `from` (default:
 * the last ones), by uniform random labels.
 */
export function prepareFashion(
  train: FashionSplit,
  test: FashionSplit,
  n: number,
  randomLabels: number,
  rng: Rng,
  from = n - randomLabels,
): FashionExperimentData {
  if (n > train.count) throw new Error(`fashion: ${n} training images requested, the training set has ${train.count}`);
  if (randomLabels > n) throw new Error(`fashion: ${randomLabels} random labels requested for ${n} training images`);
  if (from < 0 || from + randomLabels > n) throw new Error(`fashion: random labels on ${from}..${from + randomLabels - 1} do not fit in ${n} training images`);
  const pixels = train.rows * train.cols;
  const originalLabels = Uint8Array.from(train.labels.subarray(0, n));
  const trainLabels = Uint8Array.from(originalLabels);
  const randomized = new Uint8Array(n);
  const changed = new Uint8Array(n);
  for (let i = from; i < from + randomLabels; i++) {
    trainLabels[i] = rng.int(10);
    randomized[i] = 1;
    changed[i] = trainLabels[i] !== originalLabels[i] ? 1 : 0;
  }
  return {
    trainImages: Uint8Array.from(train.images.subarray(0, n * pixels)),
    trainLabels,
    originalLabels,
    randomized,
    changed,
    testImages: Uint8Array.from(test.images),
    testLabels: Uint8Array.from(test.labels),
  };
}

/** Pixel bytes → float32 in [−1, 1]: (x − 127.5)/127.5. */
export function normalizePixels(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = (bytes[i]! - 127.5) / 127.5;
  return out;
}
