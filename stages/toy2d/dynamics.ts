/**
 * Noisy dynamics on the paper's 2-D two-basin toy (Fig. 2), vectorised over repeats: each repeat has its own data
 * set and starts at the sharp minimum; every step recomputes Σ and H at the current point, builds the kind's noise
 * with the requested total variance per step, and updates w ← w − η∇L + ξ (noise on the weights). `sgd` instead
 * steps along the gradient of a random minibatch and adds nothing.
 */
import type { NoiseConfig, NoiseKindName } from '../noise/kind.ts';
import { placeSampler } from '../noise/placement.ts';
import { noiseKind } from '../noise/registry.ts';
import { toy2dEvaluate } from '../models/toy2d_f64.ts';
import type { Rng } from '../numerics/random.ts';
import { toy2dNoiseStats, toy2dPoint, usesCovarianceShape, type Toy2dCovariance } from './statistics.ts';

/** Settings of one dynamics over all repeats. */
export interface Toy2dDynamicsOptions {
  /** Data sets, repeats × samples × 2, row-major. */
  data: Float64Array;
  repeats: number;
  samples: number;
  kind: NoiseKindName;
  /** Per-kind settings (k for the eigen-part kinds, σ for gld_const). */
  noise: NoiseConfig;
  lr: number;
  iterations: number;
  /** Total variance E‖ξ‖² of the noise added to the weights per step. */
  variance: number;
  /** Minibatch size of `sgd`. */
  sgdBatch: number;
  start: readonly [number, number];
  rng: Rng;
  /** How many repeats keep their trajectory, and every how many steps a point is kept. */
  trajectoryRepeats: number;
  trajectoryEvery: number;
  /** How Σ is computed for the kinds whose shape uses it (default per-sample; see `Toy2dCovariance`). */
  covariance?: Toy2dCovariance;
  /** Called after each repeat, with how many of the `done` repeats so far escaped. */
  onRepeat?(done: number, total: number, escapes: number): void;
}

/** Where every repeat ended, whether it escaped, and a few trajectories. */
export interface Toy2dDynamicsResult {
  /** Final w per repeat, repeats × 2. */
  final: Float64Array;
  /** Final full-batch loss per repeat. */
  finalLoss: Float64Array;
  /** 1 where the repeat ended in the flat basin (w₁ < −0.5 and w₂ < −0.5), else 0. */
  escaped: Uint8Array;
  /** Trajectories, trajectoryRepeats × points × 2 (points = ⌊iterations / every⌋ + 1, the start included). */
  trajectories: Float64Array;
  points: number;
}

/** Whether w lies in the flat basin by the paper's criterion. */
export function isEscaped(w0: number, w1: number): boolean {
  return w0 < -0.5 && w1 < -0.5;
}

/** Runs the dynamics for every repeat; throws, naming repeat and iteration, if w stops being finite. */
export function runToy2dDynamics(o: Toy2dDynamicsOptions): Toy2dDynamicsResult {
  if (o.data.length !== o.repeats * o.samples * 2) {
    throw new Error(`toy2d: data has ${o.data.length} values, expected repeats·samples·2 = ${o.repeats * o.samples * 2}`);
  }
  const kind = noiseKind(o.kind);
  const needs = kind.needs(o.noise);
  const covariance = usesCovarianceShape(kind, needs) ? (o.covariance ?? 'per-sample') : 'per-sample';
  const points = Math.floor(o.iterations / o.trajectoryEvery) + 1;
  const keep = Math.min(o.trajectoryRepeats, o.repeats);
  const final = new Float64Array(o.repeats * 2);
  const finalLoss = new Float64Array(o.repeats);
  const escaped = new Uint8Array(o.repeats);
  let escapes = 0;
  const trajectories = new Float64Array(keep * points * 2);
  const xi = new Float32Array(2);
  const batch = new Int32Array(o.sgdBatch);
  for (let r = 0; r < o.repeats; r++) {
    const data = o.data.subarray(r * o.samples * 2, (r + 1) * o.samples * 2);
    const w = [o.start[0], o.start[1]];
    if (r < keep) trajectories.set(w, r * points * 2);
    for (let t = 1; t <= o.iterations; t++) {
      if (kind.name === 'sgd') {
        for (let b = 0; b < o.sgdBatch; b++) batch[b] = o.rng.int(o.samples);
        const g = toy2dEvaluate(w, data, batch).grad;
        w[0] -= o.lr * g[0];
        w[1] -= o.lr * g[1];
      } else {
        const point = toy2dPoint(w, data, covariance);
        w[0] -= o.lr * point.grad[0];
        w[1] -= o.lr * point.grad[1];
        const sampler = kind.build(toy2dNoiseStats(point, needs), o.noise);
        if (!sampler.isZero) {
          placeSampler(sampler, { kind: 'weights', variance: o.variance }).sample(o.rng, xi);
          w[0] += xi[0]!;
          w[1] += xi[1]!;
        }
      }
      if (!Number.isFinite(w[0]!) || !Number.isFinite(w[1]!)) {
        throw new Error(`toy2d ${o.kind} diverged at iteration ${t} of repeat ${r} (w = [${w[0]}, ${w[1]}])`);
      }
      if (r < keep && t % o.trajectoryEvery === 0) trajectories.set(w, (r * points + t / o.trajectoryEvery) * 2);
    }
    final[2 * r] = w[0]!;
    final[2 * r + 1] = w[1]!;
    finalLoss[r] = toy2dEvaluate(w, data).loss;
    escaped[r] = isEscaped(w[0]!, w[1]!) ? 1 : 0;
    escapes += escaped[r]!;
    o.onRepeat?.(r + 1, o.repeats, escapes);
  }
  return { final, finalLoss, escaped, trajectories, points };
}
