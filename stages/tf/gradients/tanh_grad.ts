/** Tanh gradient from the saved input: dx = dy · (1 − tanh(x)²) (the stock one reuses the output: wrong 2nd order). */
import { tf } from '../tfjs.ts';
import type { GradConfig, Tensor } from '@tensorflow/tfjs';

/** Gradient config for Tanh written in terms of the input. */
export const tanhGradConfig: GradConfig = {
  kernelName: 'Tanh',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [Tensor];
    return { x: () => tf.mul(dy as Tensor, tf.sub(1, tf.square(tf.tanh(x)))) };
  },
};
