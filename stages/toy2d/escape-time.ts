/**
 * First escape times from the toy's sharp minimum (the escape-law study): each repeat starts at (1, 1) and runs until
 * its iterate leaves the sharp basin (`outsideSharpBasin`: the flat branch of the data-free loss is below the sharp
 * one, i.e. it crossed the ridge) or until `horizon` iterations (then it is censored).
 * - `sgd`: w ← w − η·(1/B)·Σ_b ∇ℓ(w; x_b), each x_b a fresh draw from toy2dData's distribution (online SGD on the
 *   population loss). On a fixed data set SGD could never escape here: with η·200s ≤ 1 every step is, along each
 *   eigenvector of the (shared) sharp Hessian, a convex combination of w and a sample's minimum, so the iterate stays
 *   in the box of the sample minima, and its escape is decided by the data set's extreme point, not by the noise.
 * - `gld_const`: w ← w − η∇L₀(w) + ξ, ξ ~ N(0, (V/2)·I₂), isotropic with total variance E‖ξ‖² = V; L₀ the data-free
 *   loss, whose gradient is the population gradient in the sharp basin (E x = 0).
 */
import { toy2dDraw, toy2dSample, type Toy2dShape } from '../models/toy2d_f64.ts';
import type { Rng } from '../numerics/random.ts';
import { outsideSharpBasin } from './barrier.ts';

/** The dynamics the study compares. */
export type EscapeDynamics = 'sgd' | 'gld_const';

/** Settings of one sweep point over all repeats. */
export interface EscapeOptions {
  repeats: number;
  shape: Toy2dShape;
  dynamics: EscapeDynamics;
  lr: number;
  /** SGD's minibatch size. */
  batch: number;
  /** GLD const's total variance V per step. */
  variance: number;
  horizon: number;
  rng: Rng;
  /** Called after each repeat. */
  onRepeat?(done: number, total: number): void;
}

/** Per repeat: the first iteration outside the sharp basin, or the horizon where `escaped` is 0 (censored). */
export interface EscapeTimes {
  times: Float64Array;
  escaped: Uint8Array;
}

/** Runs every repeat to its escape or the horizon; throws, naming the repeat, if w stops being finite. */
export function runEscapeTimes(o: EscapeOptions): EscapeTimes {
  const times = new Float64Array(o.repeats);
  const escaped = new Uint8Array(o.repeats);
  const buf = new Float64Array(7);
  const x = new Float64Array(2);
  const sd = Math.sqrt(o.variance / 2);
  for (let r = 0; r < o.repeats; r++) {
    let w0 = 1;
    let w1 = 1;
    let t = 0;
    let out = false;
    while (t < o.horizon && !out) {
      t++;
      if (o.dynamics === 'gld_const') {
        toy2dSample(w0, w1, 0, 0, buf, 0, o.shape);
        w0 += -o.lr * buf[1]! + sd * o.rng.normal();
        w1 += -o.lr * buf[2]! + sd * o.rng.normal();
      } else {
        let a0 = 0;
        let a1 = 0;
        for (let b = 0; b < o.batch; b++) {
          toy2dDraw(o.rng, x);
          toy2dSample(w0, w1, x[0]!, x[1]!, buf, 0, o.shape);
          a0 += buf[1]!;
          a1 += buf[2]!;
        }
        w0 -= (o.lr * a0) / o.batch;
        w1 -= (o.lr * a1) / o.batch;
      }
      if (!Number.isFinite(w0) || !Number.isFinite(w1)) throw new Error(`toy2d escape ${o.dynamics} diverged at iteration ${t} of repeat ${r}`);
      out = outsideSharpBasin(w0, w1, o.shape);
    }
    times[r] = t;
    escaped[r] = out ? 1 : 0;
    o.onRepeat?.(r + 1, o.repeats);
  }
  return { times, escaped };
}
