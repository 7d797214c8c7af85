/**
 * Helpers for tfjs tests: seeded tensors, error measures, and the backends every key test runs on.
 */
import { tf } from './tfjs.ts';
import type { Scalar, Tensor } from '@tensorflow/tfjs';
import type { Rng } from '../numerics/random.ts';
import { nativeAvailability } from './native.ts';
import { gradOf } from './ops.ts';
import { readTensor } from './read.ts';
import { probeWebGpu } from './webgpu.ts';

const native = nativeAvailability();
if (!native.ok) console.log(`tests skip the 'native' backend: ${native.reason}`);

/**
 * Whether the webgpu tests run here: an adapter exists (llvmpipe will do). Where none does they are skipped with the
 * reason, except on CI, where stages/tf/webgpu.test.ts fails instead. SGD_NOISE_TEST_WEBGPU=0 leaves them out.
 */
export const WEBGPU_TESTS: { readonly ok: boolean; readonly reason: string } = (() => {
  if (process.env.SGD_NOISE_TEST_WEBGPU === '0') return { ok: false, reason: 'SGD_NOISE_TEST_WEBGPU=0' };
  const p = probeWebGpu();
  return p.ok ? { ok: true, reason: p.adapter.description } : { ok: false, reason: p.reason };
})();
if (!WEBGPU_TESTS.ok) console.log(`tests skip the 'webgpu' backend: ${WEBGPU_TESTS.reason}`);

/** The backends the key tests run on: wasm and cpu, native where its addon was built, webgpu where an adapter exists. */
export const TEST_BACKENDS: readonly ('native' | 'wasm' | 'cpu' | 'webgpu')[] = [
  ...(native.ok ? (['native'] as const) : []),
  'wasm',
  'cpu',
  ...(WEBGPU_TESTS.ok ? (['webgpu'] as const) : []),
];

/** The float32 tolerance a comparison may use on `backend`: `tol` on CPU backends, `gpuTol` (default `tol`) on webgpu. */
export function tolFor(backend: string, tol: number, gpuTol = tol): number {
  return backend === 'webgpu' ? gpuTol : tol;
}

/** A float64 copy of a tensor's values, read without blocking (works on webgpu, where `dataSync` throws). */
export async function readF64(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await readTensor(t));
}

/**
 * Runs `f` and lists the size of every tensor read back meanwhile (every read goes through `Tensor.data`: readTensor,
 * readFloat32, readAll). Example: `const { reads } = await countingReads(() => deviceLanczos(op, {k: 2, seed: 1}))`.
 */
export async function countingReads<T>(f: () => Promise<T>): Promise<{ result: T; reads: number[] }> {
  const reads: number[] = [];
  const original = tf.Tensor.prototype.data;
  tf.Tensor.prototype.data = function (this: Tensor) {
    reads.push(this.size);
    return original.call(this) as never;
  } as typeof original;
  try {
    return { result: await f(), reads };
  } finally {
    tf.Tensor.prototype.data = original;
  }
}

/** A float32 tensor of the given shape filled with normal(0, std) draws from `rng`. */
export function seededNormal(rng: Rng, shape: number[], std = 1): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillNormal(new Float32Array(size), 0, std), shape);
}

/** max |a − b| / max(max |b|, floor): a relative error in the sup norm. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-12): number {
  if (a.length !== b.length) throw new Error(`relErr: lengths differ (${a.length} vs ${b.length})`);
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/** Dot product of two equal-length arrays in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Hessian-vector product of a scalar function of one tensor by double backprop: ∇(∇f(w)·v). */
export function doubleBackpropHvp<T extends Tensor>(f: (w: T) => Scalar, w: T, v: T): T {
  return tf.tidy(() => gradOf((u: T) => tf.sum(tf.mul(gradOf(f)(u), v)) as Scalar)(w));
}
