/**
 * Conv2DBackpropFilter (the filter gradient of a conv) as one forward conv of transposed tensors.
 *
 * wasm has no such kernel at all (the stock conv2d gradient throws there) and cpu's is pathologically slow. For
 * stride 1, dilation 1, NHWC, with x padded by (top, bottom, left, right):
 *   dW[a,b,ci,co] = Σ_{n,i,j} xpad[n,i+a,j+b,ci] dy[n,i,j,co]
 *                 = transpose(conv2d(transpose(x,[3,1,2,0]), transpose(dy,[1,2,0,3]), 1, pads), [1,2,0,3])
 * (batch ↔ channels swapped, dy used as the filter). Other strides fall back to the backend's own kernel where there
 * is one, and fail loudly otherwise.
 */
import { tf } from '../tfjs.ts';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, Tensor4D } from '@tensorflow/tfjs';
import { transposeMerged } from '../ops.ts';
import { allOnes, convPads, explicitPadding, inputTensor } from './kernel_util.ts';

/** dW of a stride-1 NHWC conv of `x` whose output gradient is `dy`: `conv2dFilterGradient(x, dy, [5,5,1,10], 'valid')`. */
export function conv2dFilterGradient(
  x: Tensor4D,
  dy: Tensor4D,
  filterShape: readonly [number, number, number, number],
  pad: Conv2DBackpropFilterAttrs['pad'],
  dimRoundingMode?: Conv2DBackpropFilterAttrs['dimRoundingMode'],
): Tensor4D {
  const pads = convPads(x.shape, filterShape, pad, dimRoundingMode);
  return tf.tidy(() => {
    const xT = transposeMerged(x, [3, 1, 2, 0]); // [ci, H, W, n]: batch = input channel, channels = examples
    const dyT = transposeMerged(dy, [1, 2, 0, 3]); // [Ho, Wo, n, co]: the output gradient as a filter
    const out = tf.conv2d(xT, dyT, 1, explicitPadding(pads)); // [ci, kh, kw, co]
    return transposeMerged(out, [1, 2, 0, 3]);
  });
}

/** The kernel function replacing Conv2DBackpropFilter; `original` (if the backend has one) handles strides ≠ 1. */
export function makeConv2DBackpropFilterKernel(original: KernelConfig | undefined): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as Conv2DBackpropFilterAttrs;
    const supported = allOnes(a.strides) && a.dataFormat !== 'NCHW';
    if (!supported) {
      if (original) return original.kernelFunc({ inputs, backend, attrs });
      throw new Error(
        `Conv2DBackpropFilter on backend '${tf.getBackend()}': stages/tf/kernels implements stride 1, NHWC only; ` +
          `got strides ${JSON.stringify(a.strides)}, dataFormat ${a.dataFormat}`,
      );
    }
    const x = inputTensor<Tensor4D>(inputs.x, 'Conv2DBackpropFilter', 'x');
    const dy = inputTensor<Tensor4D>(inputs.dy, 'Conv2DBackpropFilter', 'dy');
    return conv2dFilterGradient(x, dy, a.filterShape, a.pad, a.dimRoundingMode);
  };
}
