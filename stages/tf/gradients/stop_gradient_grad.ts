/** Gradient of the StopGradient kernel (stages/tf/kernels/stop_gradient.ts): zero. */
import { tf } from '../tfjs.ts';
import type { GradConfig, Tensor } from '@tensorflow/tfjs';
import { STOP_GRADIENT } from '../kernels/stop_gradient.ts';

/** Gradient config for StopGradient: the input receives zeros. */
export const stopGradientGradConfig: GradConfig = {
  kernelName: STOP_GRADIENT,
  gradFunc: (dy) => ({ x: () => tf.zerosLike(dy as Tensor) }),
};
