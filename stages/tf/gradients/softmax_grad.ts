/**
 * Softmax gradient from the saved logits: with y = softmax(x), dx = y ⊙ (dy − Σ_dim dy ⊙ y).
 * The stock config reuses the saved output, which drops second-order terms.
 */
import { tf } from '../tfjs.ts';
import type { GradConfig, SoftmaxAttrs, Tensor } from '@tensorflow/tfjs';

/** Gradient config for Softmax written in terms of the logits. */
export const softmaxGradConfig: GradConfig = {
  kernelName: 'Softmax',
  inputsToSave: ['logits'],
  gradFunc: (dy, saved, attrs) => {
    const [logits] = saved as [Tensor];
    const dim = (attrs as unknown as SoftmaxAttrs).dim;
    return {
      logits: () => {
        const y = tf.softmax(logits, dim);
        const d = dy as Tensor;
        return tf.mul(y, tf.sub(d, tf.sum(tf.mul(d, y), [dim], true)));
      },
    };
  },
};
