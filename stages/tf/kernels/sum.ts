/**
 * Sum over leading axes on wasm without a transpose.
 *
 * A bias gradient is the sum of dy over every axis but the last ([1200, 24, 24, 10] → [10] for the CNN's conv1).
 * tfjs-backend-wasm 4.22 first transposes the reduced axes innermost (a full copy of dy), then sums; this kernel
 * sums rows in place. Each output entry is accumulated in float32, in the same order as wasm's own kernel, so the
 * results are bit-identical (kernels.test.ts). Other reductions go to the stock kernel.
 */
import { tf } from '../tfjs.ts';
import type { KernelBackend, KernelConfig, KernelFunc, SumAttrs } from '@tensorflow/tfjs';
import { float32Kernel } from './raw_arrays.ts';

/**
 * Number of leading axes reduced when `axes` are exactly [0, 1, …, k−1] in that order with k < rank, else 0 (the
 * stock kernel sums other orders differently, so they go to it).
 */
export function leadingAxesCount(axes: readonly number[], rank: number): number {
  if (axes.length === 0 || axes.length >= rank) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

/** out[j] = Σ_r x[r·inner + j] for r = 0..rows−1, accumulated in float32 in row order. */
export function sumRows(out: Float32Array, x: Float32Array, rows: number, inner: number): void {
  for (let r = 0, off = 0; r < rows; r++, off += inner) {
    for (let j = 0; j < inner; j++) out[j] += x[off + j]!;
  }
}

/** The kernel function replacing wasm's Sum (leading-axes float32 sums by `sumRows`, others by `original`). */
export function makeWasmSumKernel(original: KernelConfig | undefined): KernelFunc {
  if (!original) throw new Error("Sum override needs the backend's own kernel");
  return (args) => {
    const x = args.inputs.x!;
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const k = leadingAxesCount(axes, x.shape.length);
    if (k === 0 || x.dtype !== 'float32') return original.kernelFunc(args);
    const rows = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
    const innerShape = x.shape.slice(k);
    const inner = innerShape.reduce((a, b) => a * b, 1);
    const shape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...innerShape] : innerShape;
    return float32Kernel(args.backend as KernelBackend, shape, [x], (out, xv) => sumRows(out, xv, rows, inner));
  };
}
