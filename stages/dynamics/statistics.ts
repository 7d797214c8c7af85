/**
 * The noise statistics a kind needs at the current parameters of a network: the gradient-noise covariance Σ at
 * batch size m (the paper's estimator: covariance of the minibatch-mean gradients over one shuffled pass, divided by
 * batches − 1) and the Hessian's top-k eigenpairs by Lanczos, warm-started from the previous refresh.
 */
import { hessianOperator, perExampleGradients } from '../models/curvature.ts';
import type { Batch, FlatModel } from '../models/model.ts';
import { type Covariance, minibatchCovariance } from '../numerics/covariance.ts';
import type { EigenPairs } from '../numerics/eigen.ts';
import { lanczos } from '../numerics/lanczos.ts';
import type { Rng } from '../numerics/random.ts';

/** Σ at batch size m from one shuffled pass of ⌊N/m⌋ minibatches (their mean gradients = means of per-example rows). */
export function minibatchGradientCovariance(model: FlatModel, w: Float32Array, batch: Batch, m: number, rng: Rng): Covariance {
  const n = batch.x.shape[0]!;
  const batches = Math.floor(n / m);
  if (batches < 2) throw new Error(`covariance: ${n} examples give ${batches} minibatch(es) of ${m}; need at least 2`);
  const G = perExampleGradients(model, w, batch, { chunkSize: 600 });
  const g = G.dataSync();
  G.dispose();
  const D = model.size;
  const order = rng.permutation(n);
  const means: Float64Array[] = [];
  for (let b = 0; b < batches; b++) {
    const mean = new Float64Array(D);
    for (let j = 0; j < m; j++) {
      const row = order[b * m + j]! * D;
      for (let d = 0; d < D; d++) mean[d] = mean[d]! + g[row + d]!;
    }
    for (let d = 0; d < D; d++) mean[d] = mean[d]! / m;
    means.push(mean);
  }
  return minibatchCovariance(means);
}

/** Lanczos settings for the Hessian's top-k during dynamics. */
export interface HessianTopKOptions {
  tol: number;
  tolPairs: number;
  maxIter: number;
}

/** Keeps the previous eigenvectors so that each refresh starts from the last subspace. */
export class HessianTracker {
  private previous: readonly Float64Array[] | undefined;
  /** Total Hessian-vector products spent so far. */
  hvps = 0;

  /** Starts with no subspace; `seed` drives Lanczos's random start vectors. */
  constructor(
    private readonly model: FlatModel,
    private readonly batch: Batch,
    private readonly opts: HessianTopKOptions,
    private readonly seed: number,
  ) {}

  /** The top-k eigenpairs at w (warm-started from the previous call's vectors). */
  async topK(w: Float32Array, k: number): Promise<EigenPairs> {
    const op = hessianOperator(this.model, w, this.batch);
    try {
      const res = await lanczos(op, {
        k,
        tol: this.opts.tol,
        tolPairs: Math.min(k, this.opts.tolPairs),
        maxIter: Math.max(this.opts.maxIter, k + 1),
        seed: this.seed + this.hvps,
        start: this.previous?.slice(0, k),
      });
      this.hvps += res.matvecs;
      this.previous = res.eigenvectors;
      return { eigenvalues: res.eigenvalues, eigenvectors: res.eigenvectors };
    } finally {
      op.dispose();
    }
  }
}
