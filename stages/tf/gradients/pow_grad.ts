/**
 * Pow gradient from the saved inputs only: d/da = dy·b·a^(b−1), d/db = dy·a^b·log a (0 where a ≤ 0), each summed
 * over broadcast axes. The stock d/db reuses the saved output, which drops second-order terms.
 */
import { tf } from '../tfjs.ts';
import type { GradConfig, Tensor } from '@tensorflow/tfjs';

/** Gradient config for Pow written in terms of the inputs. */
export const powGradConfig: GradConfig = {
  kernelName: 'Pow',
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [Tensor, Tensor];
    const d = dy as Tensor;
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const reduceTo = (t: Tensor, shape: number[]): Tensor => {
      const axes = tf.broadcast_util.getReductionAxes(shape, outShape);
      return tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, shape);
    };
    return {
      a: () => {
        const bf = tf.cast(b, 'float32');
        return reduceTo(tf.mul(d, tf.mul(bf, tf.pow(a, tf.sub(bf, 1)))), a.shape);
      },
      b: () => {
        const logA = tf.where(tf.greater(a, 0), tf.log(a), tf.zerosLike(a));
        return reduceTo(tf.mul(d, tf.mul(tf.pow(a, b), logA)), b.shape);
      },
    };
  },
};
