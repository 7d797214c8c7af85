/**
 * How SGD's gradient-noise covariance scales with the batch size m, and how the paper's estimator relates to it.
 *
 * Notation: N examples with per-example gradients g_i and mean ḡ; Σ₁ = (1/N) Σ_i (g_i − ḡ)(g_i − ḡ)ᵀ, the covariance
 * of one uniformly drawn example's gradient.
 *
 * - **SGD's noise at batch size m.** SGD (`dynamics/run.ts`) draws each minibatch uniformly *without replacement*
 *   (the first m of a random permutation), so its minibatch-mean gradient g_B has, exactly (finite-population
 *   sampling),
 *
 *       Σ_m = Cov(g_B) = (N − m) / (m (N − 1)) · Σ₁.
 *
 * - **The paper's estimator at batch size m₀** (`dynamics/statistics.ts` `minibatchGradientCovariance`): the
 *   B = ⌊N/m₀⌋ ≥ 2 minibatch means of one shuffled pass, centred on their own mean and divided by B − 1. Its
 *   expectation over the shuffle is, exactly and for any N (leftover N − B·m₀ examples included),
 *
 *       E[S_m₀] = N / (m₀ (N − 1)) · Σ₁,
 *
 *   the covariance of a minibatch drawn *with* replacement from the N gradients with the sample covariance N/(N−1)·Σ₁;
 *   so S_m₀ overstates SGD's Σ_m₀ by N/(N − m₀) on average (7% for N = 300, m₀ = 20).
 *
 * Hence Tr(HΣ_m) (or TrΣ_m, or any linear functional) at every m follows from one estimate at m₀ with no new work:
 *
 *     Tr(HΣ_m) = m₀ (N − m) / (m N) · Tr(H S_m₀)     (in expectation; exact ratios between the m's).
 *
 * The m's share the estimate's sampling error, so their ratios are exact and their common level is as good as the one
 * estimate. `batch-scaling.test.ts` checks all three formulas against an enumeration of every minibatch and every
 * shuffle on a tiny problem.
 */

/** Checks 1 ≤ m ≤ N (integers) and N ≥ 2, naming what is wrong. */
function check(N: number, m: number, what: string): void {
  if (!Number.isInteger(N) || N < 2) throw new Error(`${what}: N=${N} must be an integer ≥ 2`);
  if (!Number.isInteger(m) || m < 1 || m > N) throw new Error(`${what}: m=${m} must be an integer in [1, N=${N}]`);
}

/** (N − m)/(m(N − 1)): Σ_m = this · Σ₁ for minibatches of m drawn uniformly without replacement. Example: (300, 20) → 0.0468. */
export function withoutReplacementFactor(N: number, m: number): number {
  check(N, m, 'withoutReplacementFactor');
  return (N - m) / (m * (N - 1));
}

/** N/(m₀(N − 1)): E[S_m₀] = this · Σ₁ for the paper's estimator from one shuffled pass of ⌊N/m₀⌋ ≥ 2 minibatches. */
export function shuffledPassEstimatorFactor(N: number, m0: number): number {
  check(N, m0, 'shuffledPassEstimatorFactor');
  if (Math.floor(N / m0) < 2)
    throw new Error(`shuffledPassEstimatorFactor: N=${N} gives ${Math.floor(N / m0)} minibatch(es) of m0=${m0}; the estimator needs at least 2`);
  return N / (m0 * (N - 1));
}

/**
 * SGD's Tr(HΣ_m) (or TrΣ_m) at batch size m from the paper's estimate `estimate` = Tr(H S_m₀) at batch size m₀ on the
 * same N examples: estimate · m₀(N − m)/(mN). Example: `traceAtBatchSize(15.9, 300, 20, 5)` = 62.5.
 */
export function traceAtBatchSize(estimate: number, N: number, m0: number, m: number): number {
  return (estimate * withoutReplacementFactor(N, m)) / shuffledPassEstimatorFactor(N, m0);
}
