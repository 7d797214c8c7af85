/**
 * MaxPoolGrad for non-overlapping windows, as a mask product.
 *
 * wasm's own MaxPoolGrad is ~30× slower than a few elementwise ops, and wrong: in tfjs-backend-wasm 4.22 it routes
 * gradients to the wrong positions for inputs 6 or more wide (kernels.test.ts). When the windows tile the input exactly
 * (filter = stride, no padding, sizes divisible), the gradient is dx = M ⊙ upsample(dy), where the mask M marks
 * the first maximum of each window in row-major order (the tie rule of tfjs's cpu kernel: exactly one position
 * per window receives the gradient). The same mask gives the gradient of MaxPoolGrad itself
 * (stages/tf/gradients/max_pool_grad_grad.ts). Other pooling geometries fall back to the backend's kernel on cpu
 * and throw on wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { inputTensor, pair } from './kernel_util.ts';

/** Window size (kh, kw) when `attrs` pool `inShape` in exactly tiling, non-overlapping windows; otherwise null. */
export function tilingWindow(
  inShape: readonly number[],
  attrs: Pick<tf.MaxPoolGradAttrs, 'filterSize' | 'strides' | 'pad' | 'dimRoundingMode'>,
): [number, number] | null {
  const [kh, kw] = pair(attrs.filterSize);
  const [sh, sw] = pair(attrs.strides);
  if (kh !== sh || kw !== sw) return null;
  const info = tf.backend_util.computePool2DInfo(
    inShape as [number, number, number, number],
    [kh, kw],
    [sh, sw],
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { top, bottom, left, right } = info.padInfo;
  if (top !== 0 || bottom !== 0 || left !== 0 || right !== 0) return null;
  if (info.outHeight * kh !== inShape[1] || info.outWidth * kw !== inShape[2]) return null;
  return [kh, kw];
}

/**
 * Nearest-neighbour upsampling of NHWC `t` by (kh, kw), as two 3-D broadcasts against ones (tf.tile, tf.broadcastTo
 * and 6-D broadcasting are 30–100× slower on wasm).
 */
export function upsample(t: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  return tf.tidy(() => {
    let a: tf.Tensor = t;
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
export function maxPoolArgmaxMask(x: tf.Tensor4D, y: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  const [n, H, W, c] = x.shape;
  const windows = y.size;
  return tf.tidy(() => {
    // x ≤ its window's max everywhere, with equality exactly at the maxima: isMax = 1 − step(max − x)
    const isMax = tf.sub(1, tf.step(tf.sub(upsample(y, kh, kw), x))) as tf.Tensor4D;
    if (kh * kw === 1) return isMax;
    const count = windows < 2 ** 23 ? tf.sum(isMax).dataSync()[0]! : -1; // exact in float32 below 2^24
    if (count === windows) return isMax;
    // Tie-break: score = isMax·(kh·kw − (a·kw + b)) at window position (a, b); the best score is the first maximum.
    const rowIndex = tf.reshape(tf.range(0, kh, 1, 'float32'), [1, kh, 1]);
    const colIndex = tf.reshape(tf.range(0, kw, 1, 'float32'), [1, kw, 1]);
    const byRow = tf.reshape(tf.mul(tf.reshape(isMax, [n * (H / kh), kh, W * c]), rowIndex), [n, H, W, c]);
    const byCol = tf.reshape(tf.mul(tf.reshape(isMax, [n * H * (W / kw), kw, c]), colIndex), [n, H, W, c]);
    const score = tf.sub(tf.sub(tf.mul(isMax, kh * kw), tf.mul(byRow, kw)), byCol) as tf.Tensor4D;
    const best = tf.maxPool(score, [kh, kw], [kh, kw], 'valid');
    return tf.sub(1, tf.step(tf.sub(upsample(best, kh, kw), score))) as tf.Tensor4D;
  });
}

/** dx = mask ⊙ upsample(dy) for tiling kh×kw windows. */
export function maxPoolGradByMask(dy: tf.Tensor4D, mask: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  return tf.tidy(() => tf.mul(mask, upsample(dy, kh, kw)));
}

/** The kernel function replacing MaxPoolGrad; `original` (if given) handles overlapping or padded windows. */
export function makeMaxPoolGradKernel(original: tf.KernelConfig | undefined): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as tf.MaxPoolGradAttrs;
    const x = inputTensor<tf.Tensor4D>(inputs.input, 'MaxPoolGrad', 'input');
    const window = tilingWindow(x.shape, a);
    if (!window) {
      if (original) return original.kernelFunc({ inputs, backend, attrs });
      throw new Error(`MaxPoolGrad on backend '${tf.getBackend()}': only non-overlapping windows are implemented`);
    }
    const dy = inputTensor<tf.Tensor4D>(inputs.dy, 'MaxPoolGrad', 'dy');
    const y = inputTensor<tf.Tensor4D>(inputs.output, 'MaxPoolGrad', 'output');
    return tf.tidy(() => maxPoolGradByMask(dy, maxPoolArgmaxMask(x, y, window[0], window[1]), window[0], window[1]));
  };
}
