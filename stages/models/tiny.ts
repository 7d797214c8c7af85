/**
 * Two small test models: a conv + max-pool + ReLU + softmax net (every kernel of the paper's CNN, D = 47), and a
 * smooth tanh MLP (D = 51) whose Hessian can be checked against finite differences.
 */
import { softmaxCrossEntropyHead } from './heads.ts';
import { scaledNormalInit } from './inits.ts';
import { sequentialModel } from './sequential.ts';

/** 6×6×1 → conv 3×3 1→2 valid → maxpool 2 → ReLU → flatten 8 → dense 3, softmax cross-entropy (D = 47). */
export function createTinyConvNet() {
  return sequentialModel({
    name: 'tiny-conv',
    inputShape: [6, 6, 1],
    layers: [
      { kind: 'conv2d', name: 'conv', kernel: 3, filters: 2, padding: 'valid' },
      { kind: 'maxpool', size: 2 },
      { kind: 'relu' },
      { kind: 'flatten' },
      { kind: 'dense', name: 'fc', units: 3 },
    ],
    head: softmaxCrossEntropyHead,
    init: scaledNormalInit(1),
  });
}

/** 4 → dense 6 → tanh → dense 3, softmax cross-entropy (D = 51). */
export function createTanhMlp() {
  return sequentialModel({
    name: 'tanh-mlp',
    inputShape: [4],
    layers: [{ kind: 'dense', name: 'fc1', units: 6 }, { kind: 'tanh' }, { kind: 'dense', name: 'fc2', units: 3 }],
    head: softmaxCrossEntropyHead,
    init: scaledNormalInit(1.5),
  });
}
