/**
 * Pre-training to a sharp minimum (paper §5): full-batch gradient descent from the initialisation until the whole
 * training set, random labels included, is fit (accuracy ≥ target) or an iteration cap is reached; or, with
 * `iterations`, for exactly that many iterations with no early stop (the released gd.py: 20,000). Optionally tracks
 * λ_max of the training-loss Hessian along the way (stages/dynamics/sharpness-track.ts) and records the first fit.
 */
import { valueAndGradRead } from '../models/curvature.ts';
import type { Batch, FlatModel } from '../models/model.ts';
import { evaluateClassifier } from '../models/evaluate.ts';
import { SharpnessTrack, type SharpnessPoint, type SharpnessTrackOptions } from './sharpness-track.ts';

/** Settings of the pre-training. */
export interface PretrainOptions {
  lr: number;
  maxIterations: number;
  /** Stop once the training accuracy reaches this (1 = every example fit). */
  targetAccuracy: number;
  /** Run exactly this many iterations, no early stop (≤ maxIterations); absent: stop at the first fit. */
  iterations?: number;
  /** Check the accuracy (and log) every this many iterations. */
  checkEvery: number;
  /** Evaluated at the first fit of a fixed-length run (its test loss and accuracy go into `firstFit`; an early stop ends there). */
  test?: Batch;
  /** Track λ_max (absent: no track). */
  track?: SharpnessTrackOptions;
  onProgress?(done: number, total: number, accuracy: number): void;
  signal?: AbortSignal;
}

/** The first check at which the training accuracy reached the target. */
export interface FirstFit {
  iteration: number;
  trainLoss: number;
  /** On the test set (null without one, and at an early stop, whose caller evaluates the end). */
  testLoss: number | null;
  testAccuracy: number | null;
  /** λ_max there (null without a track). */
  lambdaMax: number | null;
}

/** The sharp minimum, how it was reached, the log, the first fit and the λ_max track. */
export interface PretrainResult {
  w: Float32Array;
  iterations: number;
  reached: boolean;
  log: { iteration: number; loss: number; accuracy: number }[];
  firstFit: FirstFit | null;
  sharpness: SharpnessPoint[];
  /** The last λ_max measurement's unit eigenvector (absent without a track). */
  sharpnessVector?: Float64Array;
}

/** Full-batch GD until the target accuracy or the cap, or for `iterations`; throws naming the iteration on divergence. */
export async function pretrainGd(model: FlatModel, w0: Float32Array, train: Batch, o: PretrainOptions): Promise<PretrainResult> {
  const fixed = o.iterations !== undefined;
  if (fixed && o.iterations! > o.maxIterations) throw new Error(`pre-training: iterations ${o.iterations} exceed maxIterations ${o.maxIterations}`);
  const total = fixed ? o.iterations! : o.maxIterations;
  const w = Float32Array.from(w0);
  const track = o.track ? new SharpnessTrack(model, train, o.track) : undefined;
  const log: PretrainResult['log'] = [];
  let firstFit: FirstFit | null = null;
  const check = async (iteration: number) => {
    const e = await evaluateClassifier(model, w, train);
    log.push({ iteration, loss: e.loss, accuracy: e.accuracy });
    if (firstFit === null && e.accuracy >= o.targetAccuracy) {
      const te = fixed && o.test ? await evaluateClassifier(model, w, o.test) : undefined;
      const lambda = track ? (await track.measure(w, iteration)).lambdaMax : null;
      firstFit = { iteration, trainLoss: e.loss, testLoss: te?.loss ?? null, testAccuracy: te?.accuracy ?? null, lambdaMax: lambda };
    }
    return e.accuracy;
  };
  if (track) await track.measure(w, 0);
  let accuracy = await check(0);
  let t = 0;
  while (t < total && (fixed || accuracy < o.targetAccuracy)) {
    o.signal?.throwIfAborted();
    const { value: loss, grad: g } = await valueAndGradRead(model, w, train);
    t++;
    if (!Number.isFinite(loss)) throw new Error(`pre-training diverged at iteration ${t}: loss ${loss}`);
    for (let i = 0; i < w.length; i++) w[i] = w[i]! - o.lr * g[i]!;
    if (t % o.checkEvery === 0 || t === total) {
      accuracy = await check(t);
      o.onProgress?.(t, total, accuracy);
    }
    if (track?.due(t, total)) await track.measure(w, t);
  }
  // the end of an early stop is measured too (it is the sharp minimum)
  if (track) await track.measure(w, t);
  return { w, iterations: t, reached: accuracy >= o.targetAccuracy, log, firstFit, sharpness: track?.points ?? [], sharpnessVector: track?.vector };
}
