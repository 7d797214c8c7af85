/**
 * The example weights of multiplicative SGD noise (M-SGD; Wu, Hu, Xiong, Huan, Braverman & Zhu, ICML 2020, "On the
 * Noisy Gradient Descent that Generalizes as SGD"). SGD's minibatch gradient is (1/N)GᵀW, G the N×D per-example
 * gradients and W the sampling vector (W_i = N/m for the m examples drawn without replacement, else 0), so SGD is GD
 * plus (1/N)Gᵀε with ε = W − 1 and Cov(ε) = C_m = c·(N·I − 11ᵀ), c = (N − m)/(m(N − 1)). M-SGD draws another ε.
 *
 * For any ε with Cov(ε) = α·I + β·11ᵀ, Cov((1/N)Gᵀε) = (α/N)·(Σ₁ + ḡḡᵀ) + β·ḡḡᵀ, Σ₁ = (1/N)Σ_i(g_i − ḡ)(g_i − ḡ)ᵀ;
 * with Σ_m = c·Σ₁ (stages/numerics/batch-scaling.ts) that is a·Σ_m + b·ḡḡᵀ (`ExampleWeights.covariance`).
 */
import type { Rng } from '../numerics/random.ts';

/** Checks 1 ≤ m ≤ N (integers) and N ≥ 2, naming the kind. */
function check(kind: string, n: number, m: number): void {
  if (!Number.isInteger(n) || n < 2) throw new Error(`${kind}: N=${n} examples, need an integer ≥ 2`);
  if (!Number.isInteger(m) || m < 1 || m > n) throw new Error(`${kind}: batch size m=${m} must be an integer in [1, N=${n}]`);
}

/**
 * Fills `out` (length N) with 1 + ε, ε ~ N(0, C_m) exactly: ε = √(cN)·(z − z̄), z ~ N(0, I_N), since
 * Cov(z − z̄) = I − 11ᵀ/N. At m = N, c = 0 and every weight is exactly 1 (N normal draws are still consumed).
 */
export function gaussianSgdWeights(rng: Rng, m: number, out: Float64Array): Float64Array {
  const n = out.length;
  check('msgd_gaussian', n, m);
  const scale = Math.sqrt(((n - m) / (m * (n - 1))) * n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    out[i] = rng.normal();
    mean += out[i]! / n;
  }
  for (let i = 0; i < n; i++) out[i] = 1 + scale * (out[i]! - mean);
  return out;
}

/**
 * Fills `out` (length N) with b_i/p, b_i ~ Bernoulli(p = m/N) independently (one uniform each): each example is kept
 * with probability m/N and rescaled, so E[w] = 1 and Cov(ε) = ((1 − p)/p)·I. At m = N every weight is exactly 1.
 */
export function bernoulliWeights(rng: Rng, m: number, out: Float64Array): Float64Array {
  const n = out.length;
  check('msgd_bernoulli', n, m);
  const p = m / n;
  for (let i = 0; i < n; i++) out[i] = rng.uniform() < p ? 1 / p : 0;
  return out;
}

/** Gaussian M-SGD's noise covariance: exactly Σ_m (a = 1, b = 0). */
export function gaussianCovariance(n: number, m: number): { sigmaM: number; meanOuter: number } {
  check('msgd_gaussian', n, m);
  return { sigmaM: 1, meanOuter: 0 };
}

/**
 * Bernoulli M-SGD's noise covariance: (N − m)/(mN)·(1/N)GᵀG = ((N − 1)/N)·Σ_m + ((N − m)/(mN))·ḡḡᵀ, not exactly Σ_m
 * (the number of examples kept varies, which adds the mean-gradient term and drops the finite-population factor).
 */
export function bernoulliCovariance(n: number, m: number): { sigmaM: number; meanOuter: number } {
  check('msgd_bernoulli', n, m);
  return { sigmaM: (n - 1) / n, meanOuter: (n - m) / (m * n) };
}
