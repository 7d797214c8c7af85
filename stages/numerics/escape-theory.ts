/**
 * Theory of the loss increase caused by gradient noise near a minimum (Zhu et al. 2019, §3), for noisy GD
 * θ ← θ − η(∇L(θ) + ξ), ξ ~ N(0, Σ), started at a minimum with Hessian H. All in float64.
 *
 * - linear (the paper's indicator): E[L(θ_n)] − L(θ_0) ≈ (t/2)·Tr(H·S) with t = nη, S = ηΣ, i.e. n·η²/2·Tr(HΣ).
 * - quadratic, continuous (Ornstein–Uhlenbeck dθ = −Hθ dt + S^{1/2} dW): E L = ½Tr(H·C(t)),
 *   C(t) = ∫₀ᵗ e^{−Hs} S e^{−Hs} ds, so E L = ¼Tr((I − e^{−2Ht})·S) = ¼ Σ_i (1 − e^{−2λ_i t})·η·s_ii.
 * - quadratic, discrete (what the iteration follows on L = ½θᵀHθ): C_{n+1} = (I−ηH)C_n(I−ηH) + η²Σ; in H's eigenbasis
 *   the diagonal of C decouples, so E L = Σ_i ½λ_i η² s_ii (1 − (1−ηλ_i)^{2n}) / (1 − (1−ηλ_i)²) exactly.
 *
 * Both quadratic forms are evaluated over the given eigenpairs (λ_i, u_i) of H with s_ii = u_iᵀΣu_i (Σ itself, not
 * S); with all D pairs they are exact for the quadratic model, with the top k they drop the rest of the spectrum.
 * Example: `escapePredictions([0, 10, 20], 0.07, lambdas, sii, traceHSigma).quadraticDiscrete`.
 */

/** Predicted E[L(θ_n)] − L(θ_0) at each step count, by the three models, and Σ_i λ_i s_ii over the pairs given. */
export interface EscapePredictions {
  readonly steps: Float64Array;
  /** n·η²/2·Tr(HΣ). */
  readonly linear: Float64Array;
  /** ¼ Σ_i (1 − e^{−2λ_i nη})·η·s_ii. */
  readonly quadratic: Float64Array;
  /** Σ_i ½λ_i η² s_ii Σ_{j<n} (1−ηλ_i)^{2j}. */
  readonly quadraticDiscrete: Float64Array;
  /** Σ_i λ_i s_ii: the part of Tr(HΣ) within the eigenpairs given. */
  readonly subspaceTrace: number;
}

function checkSteps(steps: ArrayLike<number>, who: string): void {
  for (let j = 0; j < steps.length; j++) {
    const n = steps[j]!;
    if (!Number.isInteger(n) || n < 0) throw new Error(`${who}: step counts must be integers ≥ 0, got ${n} at index ${j}`);
  }
}

function checkLr(lr: number, who: string): void {
  if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`${who}: learning rate must be finite and > 0, got ${lr}`);
}

function checkPairs(lambdas: Float64Array, sii: Float64Array, who: string): void {
  if (lambdas.length !== sii.length) throw new Error(`${who}: ${lambdas.length} eigenvalues but ${sii.length} values s_ii`);
  for (let i = 0; i < lambdas.length; i++) {
    if (!Number.isFinite(lambdas[i]!)) throw new Error(`${who}: eigenvalue ${i} is ${lambdas[i]}`);
    if (!(sii[i]! >= 0) || !Number.isFinite(sii[i]!)) throw new Error(`${who}: s_ii must be finite and ≥ 0, got ${sii[i]} at index ${i}`);
  }
}

/** n·η²/2·Tr(HΣ) per step count n. Example: `linearPrediction([10], 0.1, 2)` → [0.1]. */
export function linearPrediction(steps: ArrayLike<number>, lr: number, traceHSigma: number): Float64Array {
  checkSteps(steps, 'linearPrediction');
  checkLr(lr, 'linearPrediction');
  if (!Number.isFinite(traceHSigma)) throw new Error(`linearPrediction: Tr(HΣ) must be finite, got ${traceHSigma}`);
  return Float64Array.from(steps, (n) => (n * lr * lr * traceHSigma) / 2);
}

/**
 * The continuous-time quadratic (OU) model ¼ Σ_i (1 − e^{−2λ_i t})·η·s_ii at t = nη, per step count n
 * (negative λ_i give negative terms: the loss falls along negative curvature).
 */
export function quadraticPrediction(steps: ArrayLike<number>, lr: number, lambdas: Float64Array, sii: Float64Array): Float64Array {
  checkSteps(steps, 'quadraticPrediction');
  checkLr(lr, 'quadraticPrediction');
  checkPairs(lambdas, sii, 'quadraticPrediction');
  return Float64Array.from(steps, (n) => {
    const t = n * lr;
    let s = 0;
    for (let i = 0; i < lambdas.length; i++) s += -Math.expm1(-2 * lambdas[i]! * t) * lr * sii[i]!;
    return s / 4;
  });
}

/** Σ_{j<n} r^j for r = (1 − q) ≥ 0, q = ηλ(2 − ηλ) ≤ 1, accurate for q near 0. */
function geometricSum(q: number, n: number): number {
  if (n === 0) return 0;
  if (q === 0) return n;
  return -Math.expm1(n * Math.log1p(-q)) / q;
}

/** The exact discrete-time quadratic model Σ_i ½λ_i η² s_ii (1 − (1−ηλ_i)^{2n}) / (1 − (1−ηλ_i)²) per step count n. */
export function quadraticDiscretePrediction(steps: ArrayLike<number>, lr: number, lambdas: Float64Array, sii: Float64Array): Float64Array {
  checkSteps(steps, 'quadraticDiscretePrediction');
  checkLr(lr, 'quadraticDiscretePrediction');
  checkPairs(lambdas, sii, 'quadraticDiscretePrediction');
  return Float64Array.from(steps, (n) => {
    let s = 0;
    for (let i = 0; i < lambdas.length; i++) {
      const h = lr * lambdas[i]!;
      s += 0.5 * lambdas[i]! * lr * lr * sii[i]! * geometricSum(h * (2 - h), n);
    }
    return s;
  });
}

/** Σ_i λ_i s_ii: Tr(HΣ) restricted to the span of the eigenpairs given. */
export function subspaceTraceHSigma(lambdas: Float64Array, sii: Float64Array): number {
  checkPairs(lambdas, sii, 'subspaceTraceHSigma');
  let s = 0;
  for (let i = 0; i < lambdas.length; i++) s += lambdas[i]! * sii[i]!;
  return s;
}

/** All three predictions at the step counts `steps`; `traceHSigma` is the full Tr(HΣ) used by the linear model. */
export function escapePredictions(steps: ArrayLike<number>, lr: number, lambdas: Float64Array, sii: Float64Array, traceHSigma: number): EscapePredictions {
  return Object.freeze({
    steps: Float64Array.from(steps),
    linear: linearPrediction(steps, lr, traceHSigma),
    quadratic: quadraticPrediction(steps, lr, lambdas, sii),
    quadraticDiscrete: quadraticDiscretePrediction(steps, lr, lambdas, sii),
    subspaceTrace: subspaceTraceHSigma(lambdas, sii),
  });
}
