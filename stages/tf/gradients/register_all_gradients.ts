/**
 * The one list of gradient configs this project registers over tfjs 4.22's own, and the function that registers
 * them (called by initBackend; nothing registers on import).
 *
 * Why each is needed (all verified by gradients.test.ts):
 * - Exp, Tanh, Sigmoid, Softmax, Pow: the stock configs reuse the op's saved output, which tfjs's tape does not
 *   connect to the input, so second derivatives were silently wrong. Rewritten in terms of saved inputs.
 * - Conv2DBackpropFilter, MaxPoolGrad: no gradient at all, so double backprop through a CNN threw.
 * - Equal, NotEqual, Less, LessEqual, Greater, Logical*: no gradient, so second-order passes through masks threw.
 * - StopGradient: this project's own kernel.
 * - Sum, Mean: same values, but without tf.ones(x.shape), which is ~60× slower than zerosLike on wasm.
 * tf.logSoftmax is a customGrad op (not a kernel) with the same saved-output flaw and cannot be fixed here: use
 * logSoftmax from stages/tf/ops.ts instead.
 */
import { tf } from '../tfjs.ts';
import type { GradConfig } from '@tensorflow/tfjs';
import { comparisonGradConfigs } from './comparison_grads.ts';
import { conv2DBackpropFilterGradConfig } from './conv2d_backprop_filter_grad.ts';
import { expGradConfig } from './exp_grad.ts';
import { maxPoolGradGradConfig } from './max_pool_grad_grad.ts';
import { powGradConfig } from './pow_grad.ts';
import { sigmoidGradConfig } from './sigmoid_grad.ts';
import { softmaxGradConfig } from './softmax_grad.ts';
import { stopGradientGradConfig } from './stop_gradient_grad.ts';
import { meanGradConfig, sumGradConfig } from './sum_grad.ts';
import { tanhGradConfig } from './tanh_grad.ts';

/** Every gradient config registered by `registerAllGradients`, in one place. */
export const GRADIENT_CONFIGS: readonly GradConfig[] = [
  expGradConfig,
  tanhGradConfig,
  sigmoidGradConfig,
  softmaxGradConfig,
  powGradConfig,
  conv2DBackpropFilterGradConfig,
  maxPoolGradGradConfig,
  stopGradientGradConfig,
  sumGradConfig,
  meanGradConfig,
  ...comparisonGradConfigs,
];

/** Registers every config in GRADIENT_CONFIGS (idempotent; gradients are global, not per backend). */
export function registerAllGradients(): void {
  for (const config of GRADIENT_CONFIGS) tf.registerGradient(config);
}
