/** Sigmoid gradient from the saved input: dx = dy · s(1 − s), s = σ(x) (the stock one reuses the output). */
import { tf } from '../tfjs.ts';
import type { GradConfig, Tensor } from '@tensorflow/tfjs';

/** Gradient config for Sigmoid written in terms of the input. */
export const sigmoidGradConfig: GradConfig = {
  kernelName: 'Sigmoid',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [Tensor];
    return {
      x: () => {
        const s = tf.sigmoid(x);
        return tf.mul(dy as Tensor, tf.mul(s, tf.sub(1, s)));
      },
    };
  },
};
