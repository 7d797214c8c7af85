/**
 * The noise statistics a kind needs at the current parameters of a network: the gradient-noise covariance Σ at
 * batch size m (the paper's estimator: covariance of the minibatch-mean gradients over one shuffled pass, divided by
 * batches − 1) and the Hessian's top-k eigenpairs by Lanczos, warm-started from the previous refresh (on webgpu with
 * the search space on the device).
 */
import type * as tf from '@tensorflow/tfjs';
import { hessianOperator, perExampleGradients } from '../models/curvature.ts';
import type { Batch, FlatModel } from '../models/model.ts';
import { type Covariance, minibatchCovariance } from '../numerics/covariance.ts';
import type { EigenPairs } from '../numerics/eigen.ts';
import { lanczosOnBackend } from '../numerics/device-lanczos.ts';
import { powerIterationOnBackend } from '../numerics/device-power.ts';
import { Rng } from '../numerics/random.ts';
import { readTensor } from '../tf/read.ts';

/**
 * Σ at batch size m from one shuffled pass of ⌊N/m⌋ minibatches (their mean gradients = means of per-example rows).
 * Example: `await minibatchGradientCovariance(model, w, train, 5, rng)`.
 */
export async function minibatchGradientCovariance(model: FlatModel, w: Float32Array, batch: Batch, m: number, rng: Rng): Promise<Covariance> {
  const n = batch.x.shape[0]!;
  const batches = Math.floor(n / m);
  if (batches < 2) throw new Error(`covariance: ${n} examples give ${batches} minibatch(es) of ${m}; need at least 2`);
  // The shuffle is drawn before the read, so the draw order is the caller's even if it interleaves other rng use.
  const order = rng.permutation(n);
  const G = perExampleGradients(model, w, batch, { chunkSize: 600 });
  let g: tf.TypedArray;
  try {
    g = await readTensor(G);
  } finally {
    G.dispose();
  }
  const D = model.size;
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

/**
 * How gld_hessian_top1 finds u₁: Lanczos (with `fashion.dynamics.hessian`'s settings), or `iterations` power steps
 * from a fresh uniform [0, 1) random vector at every refresh (the released FashionMNIST/gld_1Hess.py: 30).
 */
export type EigvecMethod = { method: 'lanczos' } | { method: 'power'; iterations: number };

/** Where each refresh's Lanczos starts: a random vector, the previous refresh's vectors, or those plus a random block. */
export type HessianStart = 'cold' | 'warm' | 'warm-random';

/** Lanczos settings for the Hessian's top-k during dynamics. */
export interface HessianTopKOptions {
  /** Relative-residual tolerance of the leading `tolPairs` pairs. */
  tol: number;
  tolPairs: number;
  /** Tolerance of the other pairs a kind uses (unchecked when absent). */
  tolRest?: number;
  maxIter: number;
  /** Start of each refresh (default 'warm'). */
  start?: HessianStart;
}

/** What one refresh of the top-k cost and how good its pairs are. */
export interface HessianRefresh {
  hvps: number;
  /** Largest relative residual ‖Hy − θy‖/|θ| over the k pairs returned (all of which the kind uses). */
  maxRelativeResidual: number;
  /** Whether every checked pair met its tolerance within `maxIter`. */
  converged: boolean;
}

/** Size of the random block added to a warm start ('warm-random'): a quarter of k, at least 2. */
export const randomBlockSize = (k: number) => Math.max(2, Math.ceil(k / 4));

/** Keeps the previous eigenvectors so that each refresh can start from the last subspace. */
export class HessianTracker {
  private previous: readonly Float64Array[] | undefined;
  /** Total Hessian-vector products spent so far. */
  hvps = 0;
  /** One record per refresh, in order. */
  readonly refreshes: HessianRefresh[] = [];

  /** Starts from `start` (e.g. eigenvectors found elsewhere) or no subspace; `seed` drives Lanczos's random start vectors. */
  constructor(
    private readonly model: FlatModel,
    private readonly batch: Batch,
    private readonly opts: HessianTopKOptions,
    private readonly seed: number,
    start?: readonly Float64Array[],
  ) {
    this.previous = start;
  }

  /** The eigenvectors of the last refresh (or the start given), undefined before any. */
  get vectors(): readonly Float64Array[] | undefined {
    return this.previous;
  }

  /**
   * The dominant eigenpair at w by `iterations` power steps from a uniform [0, 1) random start (no warm start); on
   * webgpu the iterate stays on the device (the start uploaded once, the vector read once).
   */
  async powerTop1(w: Float32Array, iterations: number): Promise<EigenPairs> {
    const op = hessianOperator(this.model, w, this.batch);
    const rng = new Rng(this.seed + this.hvps);
    try {
      const res = await powerIterationOnBackend(
        op,
        iterations,
        Float64Array.from({ length: this.model.size }, () => rng.uniform()),
      );
      this.hvps += res.matvecs;
      this.refreshes.push({ hvps: res.matvecs, maxRelativeResidual: res.relativeResidual, converged: res.relativeResidual <= this.opts.tol });
      return { eigenvalues: Float64Array.of(res.value), eigenvectors: [res.vector] };
    } finally {
      op.dispose();
    }
  }

  /**
   * The top-k eigenpairs at w, started as `opts.start` says. On webgpu the Lanczos basis stays on the device
   * (deviceLanczos): the previous eigenvectors are uploaded once per refresh and the new ones read once at its end.
   */
  async topK(w: Float32Array | tf.Tensor1D, k: number): Promise<EigenPairs> {
    const op = hessianOperator(this.model, w, this.batch);
    const seed = this.seed + this.hvps;
    const mode = this.opts.start ?? 'warm';
    let start: Float64Array[] | undefined;
    if (mode !== 'cold' && this.previous) {
      start = this.previous.slice(0, k);
      if (mode === 'warm-random') {
        const rng = new Rng(seed ^ 0x9e3779b9);
        for (let i = 0; i < randomBlockSize(k); i++) start.push(rng.fillNormal(new Float64Array(this.model.size)));
      }
    }
    try {
      const res = await lanczosOnBackend(op, {
        k,
        tol: this.opts.tol,
        tolPairs: Math.min(k, this.opts.tolPairs),
        tolRest: this.opts.tolRest,
        maxIter: Math.max(this.opts.maxIter, k + 1),
        seed,
        start,
      });
      this.hvps += res.matvecs;
      this.refreshes.push({ hvps: res.matvecs, maxRelativeResidual: Math.max(...res.relativeResiduals), converged: res.converged });
      this.previous = res.eigenvectors;
      return { eigenvalues: res.eigenvalues, eigenvectors: res.eigenvectors };
    } finally {
      op.dispose();
    }
  }
}
