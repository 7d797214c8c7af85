/**
 * A noise shape held on the tensor backend's device, for the GPU dynamics loop (stages/dynamics/device-loop.ts):
 * the factors of Σ (σ, the diagonal's standard deviations, the low-rank rows) are uploaded once per refresh and stay
 * there; each draw uploads only the standard normals it needs (D for isotropic and diagonal noise, r for a rank-r
 * shape) and forms ξ on the device. The normals come from the same `Rng` in the same order as `sampleShape`, so a
 * draw is the same Gaussian vector up to float32 rounding (ξ = Rᵀz is a float32 matmul here, a float64 sum there).
 */
import { tf } from '../tf/tfjs.ts';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Rng } from '../numerics/random.ts';
import type { NoiseShape } from './shape.ts';

/** Draws ξ ~ N(0, Σ) on the device; `dispose()` frees the factors. */
export interface DeviceNoise {
  /** One draw as a new float32 tensor of length D (the caller disposes it); null for the zero shape. */
  sample(rng: Rng): Tensor1D | null;
  /** Frees the factors held on the device. */
  dispose(): void;
}

/**
 * Uploads the factors of `shape` and returns its device sampler; a low-rank factor larger than `maxBytes` (the
 * adapter's largest storage binding) is held as column blocks that each fit. Example: `deviceNoise(shape).sample(rng)`.
 */
export function deviceNoise(shape: NoiseShape, maxBytes = Infinity): DeviceNoise {
  const D = shape.size;
  const normals = (n: number, rng: Rng) => {
    const z = new Float32Array(n);
    for (let i = 0; i < n; i++) z[i] = rng.normal();
    return z;
  };
  switch (shape.type) {
    case 'zero':
      return { sample: () => null, dispose: () => undefined };
    case 'isotropic': {
      const s = Math.sqrt(shape.variance);
      return { sample: (rng) => tf.tidy(() => tf.mul(tf.tensor1d(normals(D, rng)), s) as Tensor1D), dispose: () => undefined };
    }
    case 'diagonal': {
      const sd = tf.keep(tf.tensor1d(Float32Array.from(shape.variances, Math.sqrt)));
      return { sample: (rng) => tf.tidy(() => tf.mul(tf.tensor1d(normals(D, rng)), sd) as Tensor1D), dispose: () => sd.dispose() };
    }
    case 'lowRank': {
      const r = shape.rows.length;
      if (r === 0) return { sample: () => tf.zeros([D]) as Tensor1D, dispose: () => undefined };
      const width = Math.max(1, Math.min(D, Math.floor(maxBytes / (4 * r))));
      const blocks: Tensor2D[] = [];
      for (let start = 0; start < D; start += width) {
        const w = Math.min(width, D - start);
        const flat = new Float32Array(r * w);
        shape.rows.forEach((row, k) => flat.set(row.subarray(start, start + w), k * w));
        blocks.push(tf.keep(tf.tensor2d(flat, [r, w])));
      }
      return {
        sample: (rng) =>
          tf.tidy(() => {
            const z = tf.tensor2d(normals(r, rng), [1, r]);
            const parts = blocks.map((b) => tf.matMul(z, b));
            return tf.reshape(parts.length === 1 ? parts[0]! : tf.concat(parts, 1), [D]) as Tensor1D;
          }),
        dispose: () => tf.dispose(blocks),
      };
    }
  }
}
