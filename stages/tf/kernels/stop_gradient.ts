/**
 * StopGradient: identity forward, zero gradient (its gradient lives in stages/tf/gradients/stop_gradient_grad.ts).
 *
 * tfjs has no such op; a kernel of our own name is the way to hold a value constant under tf.grad, e.g. the row
 * maximum in a log-sum-exp (stages/tf/ops.ts).
 */
import { tf } from '../tfjs.ts';
import type { KernelFunc } from '@tensorflow/tfjs';
import { inputTensor } from './kernel_util.ts';

/** Kernel name of the stop-gradient op. */
export const STOP_GRADIENT = 'StopGradient';

/** The identity kernel function behind `stopGradient`, valid on any backend. */
export const stopGradientKernel: KernelFunc = ({ inputs }) => tf.clone(inputTensor(inputs.x, STOP_GRADIENT, 'x'));
