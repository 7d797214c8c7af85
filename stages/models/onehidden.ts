/**
 * The paper's one-hidden-layer network: 2 inputs → `hidden` (default 100) ReLU units with trainable weights and
 * biases (D = 300), a fixed output layer (+1 for the first half of the units, −1 for the rest), the output clipped to
 * [δ, 1 − δ] (δ = 1e−3), and squared error against labels in {0, 1}: ℓᵢ = (clip(Σₖ aₖ relu(zᵢₖ)) − yᵢ)².
 * All 3·hidden parameters start uniform(±√(6/(2·3·hidden))) (±0.1 for 100 units), as in the paper's released code,
 * where they are one flat TF1 variable under the default Glorot-uniform initialiser (fan-in = fan-out = its length).
 */
import { tf } from '../tf/tfjs.ts';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { uniformInit } from './inits.ts';
import { sequentialModel, type Head } from './sequential.ts';

/** Options of `createOneHidden`. */
export interface OneHiddenOptions {
  /** Number of hidden units (even; default 100). */
  readonly hidden?: number;
  /** Clipping margin δ of the output (default 1e−3). */
  readonly delta?: number;
}

/** The one-hidden-layer ReLU network with fixed ±1 output weights. Example: `createOneHidden().size === 300`. */
export function createOneHidden(options: OneHiddenOptions = {}) {
  const hidden = options.hidden ?? 100;
  const delta = options.delta ?? 1e-3;
  if (hidden < 2 || hidden % 2 !== 0) throw new Error(`createOneHidden: hidden must be even and ≥ 2, got ${hidden}`);
  const outWeights = new Float32Array(hidden).map((_, k) => (k < hidden / 2 ? 1 : -1));
  const output = (h: Tensor) => tf.clipByValue(tf.squeeze(tf.matMul(h as Tensor2D, tf.tensor2d(outWeights, [hidden, 1])), [1]), delta, 1 - delta);
  const head: Head = {
    needsTargets: true,
    loss: (h, y) => tf.square(tf.sub(output(h), tf.cast(y!, 'float32'))) as Tensor1D,
    predict: output,
  };
  return sequentialModel({
    name: hidden === 100 ? 'onehidden' : `onehidden-${hidden}`,
    inputShape: [2],
    layers: [{ kind: 'dense', name: 'hidden', units: hidden }, { kind: 'relu' }],
    head,
    init: uniformInit(Math.sqrt(6 / (2 * 3 * hidden))),
  });
}
