/**
 * Gradient of Conv2DBackpropFilter (tfjs has none, so double backprop through any conv threw).
 *
 * dW = F(x, dy) is bilinear; for a cotangent D on dW: ∂⟨D, dW⟩/∂x = conv2dTranspose(dy, D) and
 * ∂⟨D, dW⟩/∂dy = conv2d(x, D), with the forward conv's strides and padding. Each is evaluated only if needed.
 */
import { tf } from '../tfjs.ts';
import type { Conv2DBackpropFilterAttrs, GradConfig, Tensor4D } from '@tensorflow/tfjs';

/** Gradient config for Conv2DBackpropFilter (inputs x, dy). */
export const conv2DBackpropFilterGradConfig: GradConfig = {
  kernelName: 'Conv2DBackpropFilter',
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs) => {
    const [x, dy] = saved as [Tensor4D, Tensor4D];
    const a = attrs as unknown as Conv2DBackpropFilterAttrs;
    if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter gradient: NCHW is not supported');
    const d = ddw as Tensor4D;
    return {
      x: () => tf.conv2dTranspose(dy, d, x.shape, a.strides, a.pad, a.dimRoundingMode),
      dy: () => tf.conv2d(x, d, a.strides, a.pad, 'NHWC', 1, a.dimRoundingMode),
    };
  },
};
