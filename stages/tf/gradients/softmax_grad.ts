/**
 * Softmax gradient from the saved logits: with y = softmax(x), dx = y ⊙ (dy − Σ_dim dy ⊙ y).
 * The stock config reuses the saved output, which drops second-order terms.
 */
import * as tf from '@tensorflow/tfjs';

/** Gradient config for Softmax written in terms of the logits. */
export const softmaxGradConfig: tf.GradConfig = {
  kernelName: 'Softmax',
  inputsToSave: ['logits'],
  gradFunc: (dy, saved, attrs) => {
    const [logits] = saved as [tf.Tensor];
    const dim = (attrs as unknown as tf.SoftmaxAttrs).dim;
    return {
      logits: () => {
        const y = tf.softmax(logits, dim);
        const d = dy as tf.Tensor;
        return tf.mul(y, tf.sub(d, tf.sum(tf.mul(d, y), [dim], true)));
      },
    };
  },
};
