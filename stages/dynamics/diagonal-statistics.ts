/**
 * Noise statistics for models too large for a factored Σ (VGG11, D ≈ 9.75M): the diagonal of SGD's gradient-noise
 * covariance and its trace, from the minibatch gradients of `batches` random minibatches of m (the paper's SVHN /
 * CIFAR-10 protocol), accumulated coordinate-wise in float64 without storing the gradients.
 */
import { tf } from '../tf/tfjs.ts';
import type { TypedArray } from '@tensorflow/tfjs';
import { minibatchValueAndGrad } from '../models/curvature.ts';
import type { Batch, FlatModel } from '../models/model.ts';
import type { NoiseKindName, NoiseNeeds, NoiseStats } from '../noise/kind.ts';
import type { Rng } from '../numerics/random.ts';
import { readTensor } from '../tf/read.ts';

/** Statistics for kinds that need at most TrΣ and diag Σ; names the kind if it needs more (a rejected promise). */
export async function diagonalMinibatchStats(
  model: FlatModel,
  w: Float32Array,
  train: Batch,
  needs: NoiseNeeds,
  o: { kind: NoiseKindName; batchSize: number; batches: number; rng: Rng },
): Promise<NoiseStats> {
  if (needs.covarianceTopK > 0 || needs.hessianTopK > 0 || needs.covarianceFactor) {
    throw new Error(
      `noise kind ${o.kind} needs eigenpairs of Σ or H or Σ's factor, which this experiment does not compute for ${model.name} (D = ${model.size}); use gd, sgd, gld_const, gld_dynamic or gld_diag`,
    );
  }
  if (!needs.covarianceTrace && !needs.covarianceDiagonal) return { size: model.size };
  if (o.batches < 2) throw new Error(`diagonal statistics need at least 2 minibatches, got ${o.batches}`);
  const n = train.x.shape[0]!;
  const D = model.size;
  const mean = new Float64Array(D);
  const m2 = new Float64Array(D);
  for (let b = 1; b <= o.batches; b++) {
    const { value, grad } = minibatchValueAndGrad(model, w, train, o.rng.permutation(n).subarray(0, o.batchSize));
    let g: TypedArray;
    try {
      g = await readTensor(grad);
    } finally {
      tf.dispose([value, grad]);
    }
    for (let i = 0; i < D; i++) {
      const d = g[i]! - mean[i]!; // Welford
      mean[i] = mean[i]! + d / b;
      m2[i] = m2[i]! + d * (g[i]! - mean[i]!);
    }
  }
  const diagonal = new Float64Array(D);
  let trace = 0;
  for (let i = 0; i < D; i++) {
    diagonal[i] = m2[i]! / (o.batches - 1);
    trace += diagonal[i]!;
  }
  return { size: D, covarianceTrace: trace, covarianceDiagonal: diagonal };
}
