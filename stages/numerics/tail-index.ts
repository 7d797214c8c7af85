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

/** 1/α̂ from the samples at indices idx[0..K1·K2) (or 0..K1·K2 when idx is absent); `logAbs` (log|X|) if precomputed. */
function inverseAlphaOf(samples: ArrayLike<number>, k1: number, k2: number, idx?: Int32Array, logAbs?: Float64Array): number {
  let sumX = 0;
  let sumY = 0;
  for (let b = 0; b < k2; b++) {
    let y = 0;
    for (let j = 0; j < k1; j++) {
      const i = b * k1 + j;
      const at = idx ? idx[i]! : i;
      const x = samples[at]!;
      y += x;
      sumX += logAbs ? logAbs[at]! : Math.log(Math.abs(x));
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

/** Shuffles idx in place (Fisher–Yates). */
function shuffle(idx: Int32Array, rng: Rng): void {
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
}

/** The mean of 1/α̂ over `permutations` random orders of the samples at `idx` (which it shuffles). */
function permutedInverseAlpha(
  samples: ArrayLike<number>,
  logAbs: Float64Array,
  k1: number,
  k2: number,
  idx: Int32Array,
  permutations: number,
  rng: Rng,
): number {
  let sum = 0;
  for (let p = 0; p < permutations; p++) {
    shuffle(idx, rng);
    sum += inverseAlphaOf(samples, k1, k2, idx, logAbs);
  }
  return sum / permutations;
}

/**
 * α̂ with a percentile bootstrap interval. The estimator depends on which samples share a block, so both the point
 * estimate and each bootstrap value average 1/α̂ over `permutations` (default 16) random orders of their samples
 * (blockings) before clipping: without this, the point estimate carries the noise of one arbitrary blocking that the
 * resamples (in random order) do not, and can fall outside its own interval. `resamples` (default 1000) times, K
 * samples are drawn with replacement; deterministic for a fixed `rng` seed. Example:
 * `tailIndexInterval(noise, new Rng(1), { level: 0.95 })`.
 */
export function tailIndexInterval(
  samples: ArrayLike<number>,
  rng: Rng,
  { k1, resamples = 1000, level = 0.95, permutations = 16 }: { k1?: number; resamples?: number; level?: number; permutations?: number } = {},
): TailIndexInterval {
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`tailIndexInterval: resamples must be a positive integer, got ${resamples}`);
  if (!Number.isInteger(permutations) || permutations < 1) throw new Error(`tailIndexInterval: permutations must be a positive integer, got ${permutations}`);
  const layout = tailIndex(samples, { k1 });
  const count = samples.length;
  const all = Int32Array.from({ length: count }, (_, i) => i);
  const logAbs = Float64Array.from(samples as ArrayLike<number>, (x) => Math.log(Math.abs(x)));
  // every permutation of all K samples uses a different K1·K2 of them when K1·K2 < K
  const inverseAlpha = permutedInverseAlpha(samples, logAbs, layout.k1, layout.k2, all, permutations, rng);
  const idx = new Int32Array(count);
  const values = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < count; i++) idx[i] = rng.int(count);
    values[r] = clipAlpha(permutedInverseAlpha(samples, logAbs, layout.k1, layout.k2, idx, permutations, rng));
  }
  return { alpha: clipAlpha(inverseAlpha), inverseAlpha, k1: layout.k1, k2: layout.k2, ...percentileInterval(values, level), resamples };
}
