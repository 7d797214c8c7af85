/**
 * Gradient of MaxPoolGrad (tfjs has none, so double backprop through max-pooling threw).
 *
 * For non-overlapping windows MaxPoolGrad(dy) = M ⊙ upsample(dy) with M the first-maximum mask, so its adjoint in dy
 * is D ↦ Σ_window M ⊙ D, the value of D at each window's first maximum (`maxPoolPick`). M is piecewise constant in the pooled input, so the gradients for
 * the input and output arguments are zero almost everywhere.
 */
import { tf } from '../tfjs.ts';
import type { GradConfig, MaxPoolGradAttrs, Tensor4D } from '@tensorflow/tfjs';
import { maxPoolPick, tilingWindow } from '../kernels/max_pool_grad.ts';

/** Gradient config for MaxPoolGrad (inputs dy, input, output). */
export const maxPoolGradGradConfig: GradConfig = {
  kernelName: 'MaxPoolGrad',
  inputsToSave: ['input', 'output'],
  gradFunc: (ddx, saved, attrs) => {
    const [x, y] = saved as [Tensor4D, Tensor4D];
    const a = attrs as unknown as MaxPoolGradAttrs;
    const window = tilingWindow(x.shape, a);
    if (!window) {
      throw new Error(
        `MaxPoolGrad gradient: only non-overlapping, unpadded windows are supported; got filterSize ` +
          `${JSON.stringify(a.filterSize)}, strides ${JSON.stringify(a.strides)}, pad ${JSON.stringify(a.pad)} on ` +
          `input [${x.shape}]`,
      );
    }
    const [kh, kw] = window;
    return {
      dy: () => maxPoolPick(x, ddx as Tensor4D, kh, kw),
      input: () => tf.zerosLike(x),
      output: () => tf.zerosLike(y),
    };
  },
};
