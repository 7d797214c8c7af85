/**
 * Exp gradient from the saved input: dx = dy · exp(x).
 *
 * The stock config reuses the saved output, whose saved copy tfjs does not connect to x on the tape, so second
 * derivatives through exp were silently dropped.
 */
import * as tf from '@tensorflow/tfjs';

/** Gradient config for Exp written in terms of the input. */
export const expGradConfig: tf.GradConfig = {
  kernelName: 'Exp',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.mul(dy as tf.Tensor, tf.exp(x)) };
  },
};
