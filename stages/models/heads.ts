/** Loss heads for sequential models. */
import type * as tf from '@tensorflow/tfjs';
import { softmaxCrossEntropy } from '../tf/ops.ts';
import type { Head } from './sequential.ts';

/**
 * Softmax cross-entropy on class logits [n, C] with int32 labels [n]; predictions are the logits. It declares the fused
 * native path (stages/models/fused.ts), which computes this same loss.
 */
export const softmaxCrossEntropyHead: Head = {
  needsTargets: true,
  fused: 'softmax-cross-entropy',
  loss: (out, y) => softmaxCrossEntropy(out as tf.Tensor2D, y as tf.Tensor1D),
};
