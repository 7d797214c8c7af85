/**
 * Differentiable building blocks whose first AND second derivatives are right under tfjs's tape (with the gradient
 * registrations of stages/tf/gradients): stop-gradient, log-softmax, softmax cross-entropy.
 */
import { tf } from './tfjs.ts';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { STOP_GRADIENT } from './kernels/stop_gradient.ts';

/** Identity whose gradient is zero: `stopGradient(tf.max(z, -1, true))`. Needs initBackend (registers the kernel). */
export function stopGradient<T extends Tensor>(x: T): T {
  return tf.engine().runKernel(STOP_GRADIENT, { x }) as T;
}

/**
 * log softmax along the last axis, built from exp/log/sum with the row maximum held constant, so that its Hessian
 * is right (tf.logSoftmax's customGrad reuses its output and drops second-order terms). Example: `logSoftmax(z)`.
 */
export function logSoftmax<T extends Tensor>(logits: T): T {
  return tf.tidy(() => {
    const m = stopGradient(tf.max(logits, -1, true));
    const shifted = tf.sub(logits, m);
    return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), -1, true))) as T;
  });
}

/** Per-example softmax cross-entropy −log p(label) for logits [n, C] and int32 labels [n]; returns [n]. */
export function softmaxCrossEntropy(logits: Tensor2D, labels: Tensor1D): Tensor1D {
  const [n, classes] = logits.shape;
  if (labels.shape[0] !== n) {
    throw new Error(`softmaxCrossEntropy: ${n} rows of logits but ${labels.shape[0]} labels`);
  }
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), classes);
    return tf.neg(tf.sum(tf.mul(logSoftmax(logits), oneHot), -1)) as Tensor1D;
  });
}

/** tf.grad with the argument's tensor type kept: `gradOf((w: tf.Tensor1D) => loss(w))(w)` is a Tensor1D. */
export function gradOf<T extends Tensor>(f: (x: T) => Tensor): (x: T, dy?: Tensor) => T {
  return tf.grad(f as (x: Tensor) => Tensor) as unknown as (x: T, dy?: Tensor) => T;
}

/**
 * tf.transpose with runs of axes that stay adjacent merged first, so the backend sees the lowest-rank transpose:
 * e.g. [5,5,1200,10,10] by [2,0,1,3,4] becomes [25,1200,100] by [1,0,2] — 50× faster on wasm, whose 5-D transpose
 * is slow. Same result as tf.transpose(x, perm).
 */
export function transposeMerged<T extends Tensor>(x: T, perm: readonly number[]): T {
  if (perm.length !== x.rank) throw new Error(`transposeMerged: perm [${perm}] for a rank-${x.rank} tensor`);
  // groups of input axes, in output order; a group is a run of consecutive input axes kept together
  const groups: number[][] = [];
  for (const axis of perm) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1]! + 1 === axis) last.push(axis);
    else groups.push([axis]);
  }
  if (groups.length === 1) return tf.clone(x);
  const byInput = [...groups].sort((a, b) => a[0]! - b[0]!);
  const collapsed = byInput.map((g) => g.reduce((n, a) => n * x.shape[a]!, 1));
  const newPerm = groups.map((g) => byInput.indexOf(g));
  const outShape = perm.map((a) => x.shape[a]!);
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, collapsed), newPerm), outShape)) as T;
}
