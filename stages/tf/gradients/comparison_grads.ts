/**
 * Zero gradients for comparison and logical kernels.
 *
 * tfjs 4.22 registers none for Equal, NotEqual, Less, LessEqual, Greater and the logical ops (only GreaterEqual has
 * one), so a second backward pass through any gradient that builds a mask (Max, Minimum, ClipByValue, …) throws
 * "gradient function not found". These functions are piecewise constant, so their derivative is zero almost
 * everywhere: these configs say so (float32 zeros from tf.fill, which is fast on wasm, unlike tf.zeros).
 */
import { tf } from '../tfjs.ts';
import type { GradConfig, Tensor } from '@tensorflow/tfjs';

/** Binary comparison / logical kernels (inputs a, b) whose gradient is zero. */
const BINARY = ['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'LogicalAnd', 'LogicalOr', 'LogicalXor'];

/** Zero-gradient configs for every comparison and logical kernel tfjs leaves without one. */
export const comparisonGradConfigs: readonly GradConfig[] = [
  ...BINARY.map(
    (kernelName): GradConfig => ({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved as [Tensor, Tensor];
        return { a: () => tf.fill(a.shape, 0), b: () => tf.fill(b.shape, 0) };
      },
    }),
  ),
  {
    kernelName: 'LogicalNot',
    inputsToSave: ['x'],
    gradFunc: (_dy, saved) => {
      const [x] = saved as [Tensor];
      return { x: () => tf.fill(x.shape, 0) };
    },
  },
];
