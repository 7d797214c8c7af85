/**
 * Exp gradient from the saved input: dx = dy · exp(x).
 *
 * The stock config reuses the saved output, whose saved copy tfjs does not connect to x on the tape, so second
 * derivatives through exp were silently dropped.
 */
import { tf } from '../tfjs.ts';
import type { GradConfig, Tensor } from '@tensorflow/tfjs';

/** Gradient config for Exp written in terms of the input. */
export const expGradConfig: GradConfig = {
  kernelName: 'Exp',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [Tensor];
    return { x: () => tf.mul(dy as Tensor, tf.exp(x)) };
  },
};
