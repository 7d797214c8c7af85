/**
 * Flatness by random perturbation: how much metrics m(θ) (a loss, an accuracy) move under ν ~ N(0, δ²I).
 * `signed` estimates E[m(θ+ν)] − m(θ) (this project's expected sharpness; antithetic pairs ±ν cancel the linear
 * term); `absolute` estimates E|m(θ+ν) − m(θ)| (the released flatness.py scripts: one-sided draws, absolute changes).
 */
import type { Rng } from './random.ts';

/** Which change is averaged. */
export type FlatnessMode = 'signed' | 'absolute';

/** Options of `perturbationChange`. */
export interface FlatnessOptions {
  /** Standard deviation δ of each coordinate of ν. */
  readonly delta: number;
  /** Independent draws of ν (≥ 2). */
  readonly samples: number;
  readonly rng: Rng;
  /** Default `signed`. */
  readonly mode?: FlatnessMode;
  /** Signed mode only: average m(θ+ν) and m(θ−ν) per draw (default true). Absolute mode never pairs draws. */
  readonly antithetic?: boolean;
}

/** Per metric: the value at θ, the mean change and its Monte-Carlo standard error. */
export interface FlatnessEstimate {
  readonly base: readonly number[];
  readonly mean: readonly number[];
  readonly stderr: readonly number[];
  readonly samples: number;
  /** Evaluations of the metrics at perturbed points. */
  readonly evaluations: number;
  readonly delta: number;
  readonly mode: FlatnessMode;
  readonly antithetic: boolean;
}

/**
 * Mean (signed or absolute) change of every metric over `samples` draws, ν drawn by `rng.fillNormal` into a
 * float32 vector. `metrics` may be async (a model read back from the GPU); it is awaited before the next draw, so
 * the draws and evaluations happen in the same order either way. Example:
 * `await perturbationChange((w) => [loss(w)], w, {delta: 0.01, samples: 100, rng})`.
 */
export async function perturbationChange(
  metrics: (w: Float32Array) => readonly number[] | Promise<readonly number[]>,
  w: Float32Array,
  o: FlatnessOptions,
): Promise<FlatnessEstimate> {
  const mode = o.mode ?? 'signed';
  const antithetic = mode === 'signed' && (o.antithetic ?? true);
  if (!(o.delta > 0)) throw new Error(`perturbationChange: delta must be positive, got ${o.delta}`);
  if (!Number.isInteger(o.samples) || o.samples < 2) throw new Error(`perturbationChange: need ≥ 2 samples, got ${o.samples}`);
  const base = [...(await metrics(w))];
  const noise = new Float32Array(w.length);
  const shifted = new Float32Array(w.length);
  const values = base.map(() => new Float64Array(o.samples));
  for (let s = 0; s < o.samples; s++) {
    o.rng.fillNormal(noise, 0, o.delta);
    for (let i = 0; i < shifted.length; i++) shifted[i] = w[i]! + noise[i]!;
    let v = [...(await metrics(shifted))];
    if (antithetic) {
      for (let i = 0; i < shifted.length; i++) shifted[i] = w[i]! - noise[i]!;
      const minus = await metrics(shifted);
      v = v.map((x, j) => 0.5 * (x + minus[j]!));
    }
    for (let j = 0; j < base.length; j++) {
      const d = v[j]! - base[j]!;
      values[j]![s] = mode === 'absolute' ? Math.abs(d) : d;
    }
  }
  const mean = values.map((vs) => vs.reduce((a, b) => a + b, 0) / o.samples);
  const stderr = values.map((vs, j) => Math.sqrt(vs.reduce((a, b) => a + (b - mean[j]!) ** 2, 0) / (o.samples - 1) / o.samples));
  return { base, mean, stderr, samples: o.samples, evaluations: o.samples * (antithetic ? 2 : 1), delta: o.delta, mode, antithetic };
}
