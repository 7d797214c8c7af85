/**
 * What the two dynamics loops (run.ts on the host, device-loop.ts on the GPU) share: computing the noise statistics
 * a kind needs at the current parameters, the gradient of one step, and one row of the log from the evaluations at an
 * iteration.
 */
import type * as tf from '@tensorflow/tfjs';
import { minibatchValueAndGrad, valueAndGrad, weightedValueAndGrad } from '../models/curvature.ts';
import { requireExampleWeights, type NoiseKind, type NoiseNeeds, type NoiseStats } from '../noise/kind.ts';
import { computeNoiseStats } from '../noise/stats.ts';
import type { Evaluation } from '../models/evaluate.ts';
import type { DynamicsLog, DynamicsOptions } from './run.ts';
import { minibatchGradientCovariance, type HessianTracker } from './statistics.ts';

/** The statistics `needs` asks for at `w`: the options' own source if given, else Σ and the Hessian's top-k. */
export async function noiseStatistics(o: DynamicsOptions, needs: NoiseNeeds, tracker: HessianTracker, w: Float32Array): Promise<NoiseStats> {
  if (o.statistics) return o.statistics(w, needs);
  return computeNoiseStats(needs, {
    size: o.model.size,
    covariance: () => minibatchGradientCovariance(o.model, w, o.train, o.batchSize, o.rng),
    hessianTopK: (k) => {
      const m = o.hessianEigvec;
      if (m?.method !== 'power') return tracker.topK(w, k);
      if (k !== 1) throw new Error(`${o.kind}: the power method finds one eigenvector, the kind needs ${k}`);
      return tracker.powerTop1(w, m.iterations);
    },
  });
}

/**
 * The loss and gradient of one step at `w` (tensors the caller disposes), consuming `o.rng` as the kind asks: a random
 * minibatch of m (sgd), the example-weighted full loss with fresh weights in `weights` (the M-SGD kinds; length N), or
 * the full batch (every other kind).
 */
export function stepValueAndGrad(
  o: DynamicsOptions,
  kind: NoiseKind,
  needs: NoiseNeeds,
  w: tf.Tensor1D | Float32Array,
  weights: Float64Array,
): { value: tf.Scalar; grad: tf.Tensor1D } {
  const n = o.train.x.shape[0]!;
  if (needs.minibatchGradient) return minibatchValueAndGrad(o.model, w, o.train, o.rng.permutation(n).subarray(0, o.batchSize));
  if (needs.exampleWeights) {
    if (weights.length !== n) throw new Error(`${o.kind}: ${weights.length} example weights for ${n} examples`);
    return weightedValueAndGrad(o.model, w, o.train, requireExampleWeights(kind).draw(o.rng, o.batchSize, weights), { chunkSize: o.chunkSize });
  }
  return valueAndGrad(o.model, w, o.train, { chunkSize: o.chunkSize });
}

/** The log row at `iteration`; throws naming the iteration when the training loss is not finite. */
export function logRow(o: DynamicsOptions, iteration: number, train: Evaluation, test: Evaluation | undefined, noiseTrace: number): DynamicsLog {
  if (!Number.isFinite(train.loss)) throw new Error(`${o.kind} diverged at iteration ${iteration}: training loss ${train.loss}`);
  return {
    iteration,
    trainLoss: train.loss,
    trainAccuracy: train.accuracy,
    cleanAccuracy: train.groupAccuracy?.zero ?? null,
    randomAccuracy: train.groupAccuracy?.one ?? null,
    testLoss: test ? test.loss : null,
    testAccuracy: test ? test.accuracy : null,
    noiseTrace,
  };
}
