/**
 * MaxPoolGrad for non-overlapping windows, as a scatter to each window's first maximum.
 *
 * wasm's own MaxPoolGrad is ~30× slower than a loop, and wrong: in tfjs-backend-wasm 4.22 it routes gradients to the
 * wrong positions for inputs 6 or more wide (kernels.test.ts). When the windows tile the input exactly (filter =
 * stride, no padding, sizes divisible), dx = M ⊙ upsample(dy), where the mask M marks the first maximum of each
 * window in row-major order (the tie rule of tfjs's cpu kernel: exactly one position per window receives the
 * gradient). The kernel computes that as one pass over the input (`scatterToFirstMax`); its adjoint, which the
 * gradient of MaxPoolGrad needs (stages/tf/gradients/max_pool_grad_grad.ts), is the gather `MaxPoolPick`. Both equal
 * the mask-product form (`maxPoolArgmaxMask`, kept as their test reference) bit for bit. Other pooling geometries
 * fall back to the backend's kernel on cpu and throw on wasm.
 */
import { tf } from '../tfjs.ts';
import type { KernelBackend, KernelConfig, KernelFunc, MaxPoolGradAttrs, NamedAttrMap, Tensor, Tensor4D } from '@tensorflow/tfjs';
import { inputTensor, pair } from './kernel_util.ts';
import { float32Kernel } from './raw_arrays.ts';

/** Kernel name of the gather adjoint to MaxPoolGrad: out[window] = d[first maximum of x in that window]. */
export const MAX_POOL_PICK = 'MaxPoolPick';

/** Window size (kh, kw) when `attrs` pool `inShape` in exactly tiling, non-overlapping windows; otherwise null. */
export function tilingWindow(
  inShape: readonly number[],
  attrs: Pick<MaxPoolGradAttrs, 'filterSize' | 'strides' | 'pad' | 'dimRoundingMode'>,
): [number, number] | null {
  const [kh, kw] = pair(attrs.filterSize);
  const [sh, sw] = pair(attrs.strides);
  if (kh !== sh || kw !== sw) return null;
  const info = tf.backend_util.computePool2DInfo(inShape as [number, number, number, number], [kh, kw], [sh, sw], 1, attrs.pad, attrs.dimRoundingMode);
  const { top, bottom, left, right } = info.padInfo;
  if (top !== 0 || bottom !== 0 || left !== 0 || right !== 0) return null;
  if (info.outHeight * kh !== inShape[1] || info.outWidth * kw !== inShape[2]) return null;
  return [kh, kw];
}

/**
 * Nearest-neighbour upsampling of NHWC `t` by (kh, kw), as two 3-D broadcasts against ones (tf.tile, tf.broadcastTo
 * and 6-D broadcasting are 30–100× slower on wasm).
 */
export function upsample(t: Tensor4D, kh: number, kw: number): Tensor4D {
  const [n, h, w, c] = t.shape;
  return tf.tidy(() => {
    let a: Tensor = t;
    if (kw > 1) a = tf.mul(tf.reshape(a, [n * h * w, 1, c]), tf.ones([1, kw, 1]));
    if (kh > 1) a = tf.mul(tf.reshape(a, [n * h, 1, w * kw * c]), tf.ones([1, kh, 1]));
    return tf.reshape(a, [n, h * kh, w * kw, c]);
  });
}

/**
 * Float mask [n, H, W, c] with a single 1 per pooling window at the window's first maximum (row-major), for input
 * `x` and its max-pool output `y` over tiling kh×kw windows. Built from sub/step (wasm's comparison kernels are slow);
 * the tie-break pass runs only when some window has tied maxima.
 */
export function maxPoolArgmaxMask(x: Tensor4D, y: Tensor4D, kh: number, kw: number): Tensor4D {
  const [n, H, W, c] = x.shape;
  const windows = y.size;
  return tf.tidy(() => {
    // x ≤ its window's max everywhere, with equality exactly at the maxima: isMax = 1 − step(max − x)
    const isMax = tf.sub(1, tf.step(tf.sub(upsample(y, kh, kw), x))) as Tensor4D;
    if (kh * kw === 1) return isMax;
    const count = windows < 2 ** 23 ? tf.sum(isMax).dataSync()[0]! : -1; // exact in float32 below 2^24
    if (count === windows) return isMax;
    // Tie-break: score = isMax·(kh·kw − (a·kw + b)) at window position (a, b); the best score is the first maximum.
    const rowIndex = tf.reshape(tf.range(0, kh, 1, 'float32'), [1, kh, 1]);
    const colIndex = tf.reshape(tf.range(0, kw, 1, 'float32'), [1, kw, 1]);
    const byRow = tf.reshape(tf.mul(tf.reshape(isMax, [n * (H / kh), kh, W * c]), rowIndex), [n, H, W, c]);
    const byCol = tf.reshape(tf.mul(tf.reshape(isMax, [n * H * (W / kw), kw, c]), colIndex), [n, H, W, c]);
    const score = tf.sub(tf.sub(tf.mul(isMax, kh * kw), tf.mul(byRow, kw)), byCol) as Tensor4D;
    const best = tf.maxPool(score, [kh, kw], [kh, kw], 'valid');
    return tf.sub(1, tf.step(tf.sub(upsample(best, kh, kw), score))) as Tensor4D;
  });
}

/**
 * Flat indices in NHWC `x` (shape [n, H, W, c], tiling kh×kw windows) of each window's first maximum (row-major
 * within the window), in the pooled output's order. One pass over `x`; the two users below inline nothing else.
 */
export function firstMaxIndices(x: Float32Array, shape: readonly number[], kh: number, kw: number): Int32Array {
  const [n, H, W, c] = shape as [number, number, number, number];
  const h = H / kh;
  const w = W / kw;
  const rowStride = W * c;
  const out = new Int32Array(n * h * w * c);
  if (kh === 2 && kw === 2) return firstMaxIndices2x2(x, out, n, h, w, c, rowStride);
  let window = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const base = ((b * H + i * kh) * W + j * kw) * c;
        for (let ch = 0; ch < c; ch++) {
          let arg = base + ch;
          let best = x[arg]!;
          for (let a = 0; a < kh; a++) {
            const row = base + a * rowStride + ch;
            for (let e = a === 0 ? 1 : 0; e < kw; e++) {
              const v = x[row + e * c]!;
              if (v > best) {
                best = v;
                arg = row + e * c;
              }
            }
          }
          out[window++] = arg;
        }
      }
    }
  }
  return out;
}

/** `firstMaxIndices` for 2×2 windows, unrolled (1.5× faster than the general loop). */
function firstMaxIndices2x2(x: Float32Array, out: Int32Array, n: number, h: number, w: number, c: number, rowStride: number): Int32Array {
  let k = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      let p0 = (b * 2 * h + 2 * i) * rowStride;
      for (let j = 0; j < w; j++, p0 += 2 * c) {
        const p1 = p0 + c;
        const p2 = p0 + rowStride;
        const p3 = p2 + c;
        for (let ch = 0; ch < c; ch++) {
          let arg = p0 + ch;
          let best = x[arg]!;
          let v = x[p1 + ch]!;
          if (v > best) {
            best = v;
            arg = p1 + ch;
          }
          v = x[p2 + ch]!;
          if (v > best) {
            best = v;
            arg = p2 + ch;
          }
          if (x[p3 + ch]! > best) arg = p3 + ch;
          out[k++] = arg;
        }
      }
    }
  }
  return out;
}

/** dx (shape of x, zero elsewhere) with dy[window] at each window's first maximum of `x`. */
export function scatterToFirstMax(dx: Float32Array, x: Float32Array, dy: Float32Array, shape: readonly number[], kh: number, kw: number): void {
  const at = firstMaxIndices(x, shape, kh, kw);
  for (let k = 0; k < at.length; k++) dx[at[k]!] = dy[k]!;
}

/** out[window] = d[first maximum of `x` in that window]: the adjoint of `scatterToFirstMax` in dy. */
export function pickAtFirstMax(out: Float32Array, x: Float32Array, d: Float32Array, shape: readonly number[], kh: number, kw: number): void {
  const at = firstMaxIndices(x, shape, kh, kw);
  for (let k = 0; k < at.length; k++) out[k] = d[at[k]!]!;
}

/** The kernel function replacing MaxPoolGrad; `original` (if given) handles overlapping or padded windows. */
export function makeMaxPoolGradKernel(original: KernelConfig | undefined): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as MaxPoolGradAttrs;
    const x = inputTensor<Tensor4D>(inputs.input, 'MaxPoolGrad', 'input');
    const window = tilingWindow(x.shape, a);
    if (!window || x.dtype !== 'float32') {
      if (original) return original.kernelFunc({ inputs, backend, attrs });
      throw new Error(`MaxPoolGrad on backend '${tf.getBackend()}': only non-overlapping windows are implemented`);
    }
    const dy = inputTensor<Tensor4D>(inputs.dy, 'MaxPoolGrad', 'dy');
    return float32Kernel(backend as KernelBackend, [...x.shape], [x, dy], (dx, xv, dyv) => scatterToFirstMax(dx, xv, dyv, x.shape, window[0], window[1]));
  };
}

/** The MaxPoolPick kernel (inputs x, d of the same NHWC shape; attrs kh, kw), valid on wasm and cpu. */
export const maxPoolPickKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputTensor<Tensor4D>(inputs.x, MAX_POOL_PICK, 'x');
  const d = inputTensor<Tensor4D>(inputs.d, MAX_POOL_PICK, 'd');
  const { kh, kw } = attrs as unknown as { kh: number; kw: number };
  const [n, H, W, c] = x.shape;
  return float32Kernel(backend as KernelBackend, [n, H / kh, W / kw, c], [x, d], (out, xv, dv) => pickAtFirstMax(out, xv, dv, x.shape, kh, kw));
};

/** out[window] = d at the first maximum of x in each tiling kh×kw window (needs initBackend: registers the kernel). */
export function maxPoolPick(x: Tensor4D, d: Tensor4D, kh: number, kw: number): Tensor4D {
  return tf.engine().runKernel(MAX_POOL_PICK, { x, d }, { kh, kw } as unknown as NamedAttrMap) as Tensor4D;
}
