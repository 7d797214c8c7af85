/**
 * Pre-training to a sharp minimum (paper §5): full-batch gradient descent from the initialisation until the whole
 * training set, random labels included, is fit (accuracy ≥ target) or an iteration cap is reached.
 */
import { valueAndGradRead } from '../models/curvature.ts';
import type { Batch, FlatModel } from '../models/model.ts';
import { evaluateClassifier } from '../models/evaluate.ts';

/** Settings of the pre-training. */
export interface PretrainOptions {
  lr: number;
  maxIterations: number;
  /** Stop once the training accuracy reaches this (1 = every example fit). */
  targetAccuracy: number;
  /** Check the accuracy (and log) every this many iterations. */
  checkEvery: number;
  onProgress?(done: number, total: number, accuracy: number): void;
  signal?: AbortSignal;
}

/** The sharp minimum, how it was reached, and the log. */
export interface PretrainResult {
  w: Float32Array;
  iterations: number;
  reached: boolean;
  log: { iteration: number; loss: number; accuracy: number }[];
}

/** Full-batch GD until the target accuracy or the cap; throws naming the iteration on divergence. */
export async function pretrainGd(model: FlatModel, w0: Float32Array, train: Batch, o: PretrainOptions): Promise<PretrainResult> {
  const w = Float32Array.from(w0);
  const log: PretrainResult['log'] = [];
  const check = async (iteration: number) => {
    const e = await evaluateClassifier(model, w, train);
    log.push({ iteration, loss: e.loss, accuracy: e.accuracy });
    return e.accuracy;
  };
  let accuracy = await check(0);
  let t = 0;
  while (accuracy < o.targetAccuracy && t < o.maxIterations) {
    o.signal?.throwIfAborted();
    const { value: loss, grad: g } = await valueAndGradRead(model, w, train);
    t++;
    if (!Number.isFinite(loss)) throw new Error(`pre-training diverged at iteration ${t}: loss ${loss}`);
    for (let i = 0; i < w.length; i++) w[i] = w[i]! - o.lr * g[i]!;
    if (t % o.checkEvery === 0 || t === o.maxIterations) {
      accuracy = await check(t);
      o.onProgress?.(t, o.maxIterations, accuracy);
    }
  }
  return { w, iterations: t, reached: accuracy >= o.targetAccuracy, log };
}
