/**
 * The tail index α of (symmetric) α-stable noise, by the estimator of Mohammadi, Mohammadpour & Ogata (2015) that
 * Şimşekli, Sagun & Gürbüzbalaban (ICML 2019) apply to stochastic gradient noise, with a bootstrap interval.
 *
 * For K = K1·K2 i.i.d. samples X_i and block sums Y_i = Σ_{j≤K1} X_{(i−1)K1+j} (i ≤ K2), strict stability gives
 * Y_i =d K1^{1/α}·X_1, so E log|Y| − E log|X| = (1/α)·log K1 and
 *   1/α̂ = (1/log K1)·((1/K2) Σ_i log|Y_i| − (1/K) Σ_i log|X_i|),
 * an unbiased estimate of 1/α; α̂ = 1/(1/α̂) clipped to (0, 2] (values of 1/α̂ ≤ 1/2 mean no heavier tails than a
 * Gaussian, α̂ = 2). Assumes i.i.d. samples from a centred, strictly stable (e.g. symmetric) law.
 */
import { percentileInterval } from './intervals.ts';
import type { Rng } from './random.ts';

/** The estimate with the block layout it used. */
export interface TailIndexEstimate {
  /** α̂, clipped to (0, 2]. */
  alpha: number;
  /** 1/α̂ before clipping (unbiased for 1/α). */
  inverseAlpha: number;
  /** Block size K1 and number of blocks K2; the first K1·K2 samples were used. */
  k1: number;
  k2: number;
}

/** The block size K1 for K samples: the given one (checked), else ⌊√K⌋. */
function blockSize(count: number, k1: number | undefined): number {
  const k = k1 ?? Math.floor(Math.sqrt(count));
  if (!Number.isInteger(k) || k < 2) throw new Error(`tailIndex: block size K1 must be an integer ≥ 2, got ${k} (from ${count} samples)`);
  if (Math.floor(count / k) < 1) throw new Error(`tailIndex: ${count} samples make no block of K1 = ${k}`);
  return k;
}

/** 1/α̂ from the samples at indices idx[0..K1·K2) (or 0..K1·K2 when idx is absent). */
function inverseAlphaOf(samples: ArrayLike<number>, k1: number, k2: number, idx?: Int32Array): number {
  let sumX = 0;
  let sumY = 0;
  for (let b = 0; b < k2; b++) {
    let y = 0;
    for (let j = 0; j < k1; j++) {
      const i = b * k1 + j;
      const x = samples[idx ? idx[i]! : i]!;
      y += x;
      sumX += Math.log(Math.abs(x));
    }
    sumY += Math.log(Math.abs(y));
  }
  return (sumY / k2 - sumX / (k1 * k2)) / Math.log(k1);
}

/** α̂ from 1/α̂, clipped to (0, 2]. */
const clipAlpha = (inverse: number) => (inverse > 0.5 ? 1 / inverse : 2);

/** Checks the samples are finite and non-zero (log|X| must be finite); returns their count. */
function checkSamples(samples: ArrayLike<number>, who: string): number {
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]!;
    if (!Number.isFinite(x) || x === 0) throw new Error(`${who}: sample ${i} is ${x}; the estimator takes log|X|, so samples must be finite and non-zero`);
  }
  return samples.length;
}

/**
 * The tail index α̂ of i.i.d. samples (Mohammadi et al. 2015): block size K1 (default ⌊√K⌋), K2 = ⌊K/K1⌋ blocks,
 * the first K1·K2 samples. Example: `tailIndex(noise).alpha` ≈ 1.5 for 1.5-stable noise.
 */
export function tailIndex(samples: ArrayLike<number>, { k1 }: { k1?: number } = {}): TailIndexEstimate {
  const count = checkSamples(samples, 'tailIndex');
  const b = blockSize(count, k1);
  const k2 = Math.floor(count / b);
  const inverseAlpha = inverseAlphaOf(samples, b, k2);
  return { alpha: clipAlpha(inverseAlpha), inverseAlpha, k1: b, k2 };
}

/** α̂ with a percentile bootstrap interval and the number of resamples behind it. */
export interface TailIndexInterval extends TailIndexEstimate {
  lower: number;
  upper: number;
  resamples: number;
}

/**
 * α̂ with a percentile bootstrap interval: `resamples` (default 1000) times, K1·K2 samples are drawn with replacement
 * from all K and α̂ (clipped) recomputed; deterministic for a fixed `rng` seed. Example:
 * `tailIndexInterval(noise, new Rng(1), { level: 0.95 })`.
 */
export function tailIndexInterval(
  samples: ArrayLike<number>,
  rng: Rng,
  { k1, resamples = 1000, level = 0.95 }: { k1?: number; resamples?: number; level?: number } = {},
): TailIndexInterval {
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`tailIndexInterval: resamples must be a positive integer, got ${resamples}`);
  const est = tailIndex(samples, { k1 });
  const count = samples.length;
  const used = est.k1 * est.k2;
  const idx = new Int32Array(used);
  const values = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < used; i++) idx[i] = rng.int(count);
    values[r] = clipAlpha(inverseAlphaOf(samples, est.k1, est.k2, idx));
  }
  return { ...est, ...percentileInterval(values, level), resamples };
}
