/**
 * Sum and Mean gradients that broadcast dy against zerosLike(x) instead of multiplying by tf.ones(x.shape): on wasm
 * tf.ones/tf.zeros of a large shape build the array in JS and upload it (~60 ms for 7M floats, vs ~1 ms for
 * zerosLike), which made the second backward pass through a conv bias ~10× slower than needed. Same values as the
 * stock configs.
 */
import { tf } from '../tfjs.ts';
import type { GradConfig, MeanAttrs, SumAttrs, Tensor } from '@tensorflow/tfjs';

/** dy reshaped to x's rank with 1s on the reduced axes. */
function expandToKeepDims(dy: Tensor, x: Tensor, axis: number | number[]): Tensor {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const shape = x.shape.slice();
  for (const a of axes) shape[a] = 1;
  return tf.reshape(dy, shape);
}

/** Gradient config for Sum: dx = broadcast(dy). */
export const sumGradConfig: GradConfig = {
  kernelName: 'Sum',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [Tensor];
    const { axis } = attrs as unknown as SumAttrs;
    return { x: () => tf.add(tf.zerosLike(x), expandToKeepDims(dy as Tensor, x, axis)) };
  },
};

/** Gradient config for Mean: dx = broadcast(dy) / (number of reduced entries). */
export const meanGradConfig: GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [Tensor];
    const { axis } = attrs as unknown as MeanAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
    return { x: () => tf.add(tf.zerosLike(x), tf.div(expandToKeepDims(dy as Tensor, x, axis), count)) };
  },
};
