/** Tanh gradient from the saved input: dx = dy · (1 − tanh(x)²) (the stock one reuses the output: wrong 2nd order). */
import * as tf from '@tensorflow/tfjs';

/** Gradient config for Tanh written in terms of the input. */
export const tanhGradConfig: tf.GradConfig = {
  kernelName: 'Tanh',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(tf.tanh(x)))) };
  },
};
