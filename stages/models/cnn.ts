/**
 * The paper's Fashion-MNIST CNN (NHWC 28×28×1): conv 5×5 1→10 valid → maxpool 2 → ReLU → conv 5×5 10→10 valid →
 * maxpool 2 → ReLU → flatten 160 → FC 50 → ReLU → FC 10, softmax cross-entropy. D = 260 + 2510 + 8050 + 510 = 11,330.
 * Every entry is initialised from normal(0, 0.02) truncated at 2 std. Flattening is NHWC order (h, w, c).
 */
import { softmaxCrossEntropyHead } from './heads.ts';
import { truncatedNormalInit } from './inits.ts';
import { sequentialModel } from './sequential.ts';

/** Number of parameters of the paper's CNN. */
export const CNN_SIZE = 11_330;

/** The paper's Fashion-MNIST CNN as a flat-parameter model. Example: `createCnn().size === 11330`. */
export function createCnn() {
  return sequentialModel({
    name: 'cnn',
    inputShape: [28, 28, 1],
    layers: [
      { kind: 'conv2d', name: 'conv1', kernel: 5, filters: 10, padding: 'valid' },
      { kind: 'maxpool', size: 2 },
      { kind: 'relu' },
      { kind: 'conv2d', name: 'conv2', kernel: 5, filters: 10, padding: 'valid' },
      { kind: 'maxpool', size: 2 },
      { kind: 'relu' },
      { kind: 'flatten' },
      { kind: 'dense', name: 'fc1', units: 50 },
      { kind: 'relu' },
      { kind: 'dense', name: 'fc2', units: 10 },
    ],
    head: softmaxCrossEntropyHead,
    init: truncatedNormalInit(0.02, 2),
  });
}
