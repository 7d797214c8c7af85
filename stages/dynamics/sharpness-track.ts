/**
 * λ_max along a trajectory (the edge of stability, Cohen et al., ICLR 2021): the top eigenvalue of the full-batch
 * training-loss Hessian by Lanczos top-1 (stages/numerics/lanczos.ts through HessianTracker), each measurement
 * warm-started from the previous one's eigenvector and held to a relative-residual tolerance.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Batch, FlatModel } from '../models/model.ts';
import { HessianTracker } from './statistics.ts';

/** Settings of a λ_max track. */
export interface SharpnessTrackOptions {
  /** Measure at iteration 0, every `every` iterations and at the last one. */
  every: number;
  /** Relative-residual tolerance ‖Hy − λy‖/|λ| of the top pair. */
  tol: number;
  /** Most Hessian-vector products per measurement. */
  maxIter: number;
  /** Seed of Lanczos's random start (the first measurement without `start`, and breakdown restarts). */
  seed: number;
  /** A unit vector to start the first measurement from (e.g. the pre-training's last eigenvector). */
  start?: Float64Array;
}

/** One measurement of λ_max. */
export interface SharpnessPoint {
  iteration: number;
  lambdaMax: number;
  relativeResidual: number;
  hvps: number;
  converged: boolean;
}

/** λ_max measured along a run: `due(t)` says when, `measure(w, t)` appends a point, `points` holds them in order. */
export class SharpnessTrack {
  /** The measurements so far, in order of iteration. */
  readonly points: SharpnessPoint[] = [];
  private readonly tracker: HessianTracker;

  /** A track on the full batch `train` of `model`. */
  constructor(
    model: FlatModel,
    train: Batch,
    private readonly opts: SharpnessTrackOptions,
  ) {
    if (!(Number.isInteger(opts.every) && opts.every >= 1)) throw new Error(`sharpness track: every must be a positive integer, got ${opts.every}`);
    const start = opts.start ? [opts.start] : undefined;
    this.tracker = new HessianTracker(model, train, { tol: opts.tol, tolPairs: 1, maxIter: opts.maxIter, start: 'warm' }, opts.seed, start);
  }

  /** Whether iteration t is measured in a run of `last` iterations (0, every `every`-th, the last). */
  due(t: number, last: number): boolean {
    return t === 0 || t % this.opts.every === 0 || t === last;
  }

  /** Measures λ_max at w (host array, or a tensor that stays on the device), once per iteration; returns the point. */
  async measure(w: Float32Array | tf.Tensor1D, iteration: number): Promise<SharpnessPoint> {
    const last = this.points.at(-1);
    if (last?.iteration === iteration) return last;
    const pairs = await this.tracker.topK(w, 1);
    const r = this.tracker.refreshes.at(-1)!;
    const point = { iteration, lambdaMax: pairs.eigenvalues[0]!, relativeResidual: r.maxRelativeResidual, hvps: r.hvps, converged: r.converged };
    this.points.push(point);
    return point;
  }

  /** The last measurement's unit eigenvector (undefined before any). */
  get vector(): Float64Array | undefined {
    return this.tracker.vectors?.[0];
  }

  /** Hessian-vector products spent so far. */
  get hvps(): number {
    return this.tracker.hvps;
  }
}
