/**
 * The escaping-efficiency indicator of Zhu et al. (2019): Tr(HΣ) for the Hessian H and a noise covariance Σ,
 * compared with isotropic noise of the same total variance, Σ̄ = (TrΣ/D)·I, for which Tr(HΣ̄) = TrΣ·TrH/D; and the
 * quantities of the paper's two conditions (H ill-conditioned; Σ aligned with H's leading eigenvector).
 */
import type { EigenPairs } from './eigen.ts';
import type { LinearOperator } from './operator.ts';
import { dot, type NumericVector } from './vector.ts';

/** What the indicator needs of Σ: a low-rank factor Σ = Σ_k c_k c_kᵀ (e.g. a `Covariance`). */
export interface FactoredCovariance {
  /** Dimension D. */
  readonly size: number;
  /** Factor rows c_k of length D. */
  readonly factor: readonly NumericVector[];
}

/** What the alignment and top-k approximations need of Σ: its trace and quadratic form vᵀΣv. */
export interface CovarianceForms {
  /** Tr Σ. */
  readonly trace: number;
  /** vᵀΣv. */
  quadraticForm(v: NumericVector): number;
}

/** Exact Tr(HΣ) and its cost. */
export interface TraceHSigma {
  /** Tr(HΣ) = Σ_k c_kᵀ H c_k. */
  readonly value: number;
  /** Hessian-vector products used (= factor rows). */
  readonly hvps: number;
  /** c_kᵀ H c_k per factor row. */
  readonly terms: Float64Array;
}

/** Exact Tr(HΣ) = Σ_k c_kᵀ H c_k over the factor rows of Σ (one HVP per row). Example: `await traceHSigma(h, cov)`. */
export async function traceHSigma(hessian: LinearOperator, sigma: FactoredCovariance): Promise<TraceHSigma> {
  if (hessian.size !== sigma.size) throw new Error(`traceHSigma: Hessian size ${hessian.size} ≠ covariance size ${sigma.size}`);
  const terms = new Float64Array(sigma.factor.length);
  for (const [k, row] of sigma.factor.entries()) {
    if (row.length !== sigma.size) throw new Error(`traceHSigma: factor row ${k} has length ${row.length}, expected ${sigma.size}`);
    const c = Float64Array.from(row);
    terms[k] = dot(c, await hessian.matvec(c));
  }
  return Object.freeze({ value: terms.reduce((a, b) => a + b, 0), hvps: terms.length, terms });
}

/**
 * Σ_j λ_j u_jᵀΣu_j over the given leading eigenpairs of H: Tr(HΣ) restricted to H's top-k eigenspace (exact when the
 * remaining eigenvalues are zero; a lower bound when they are ≥ 0).
 */
export function traceHSigmaTopK(hessianTop: EigenPairs, sigma: CovarianceForms): number {
  let s = 0;
  hessianTop.eigenvectors.forEach((u, j) => (s += hessianTop.eigenvalues[j]! * sigma.quadraticForm(u)));
  return s;
}

/** Tr(HΣ̄) for the isotropic Σ̄ = (TrΣ/D)·I, i.e. TrΣ·TrH/D. */
export function traceHSigmaIsotropic(traceH: number, traceSigma: number, size: number): number {
  if (!Number.isInteger(size) || size < 1) throw new Error(`traceHSigmaIsotropic: size must be a positive integer, got ${size}`);
  return (traceSigma * traceH) / size;
}

/** The indicator record: Tr(HΣ), Tr(HΣ̄) and their ratio (> 1 ⇒ Σ escapes more efficiently than isotropic noise). */
export interface EscapingIndicator {
  /** Tr(HΣ). */
  readonly traceHSigma: number;
  /** Tr(HΣ̄) = TrΣ·TrH/D. */
  readonly traceHSigmaIsotropic: number;
  /** Tr(HΣ) / Tr(HΣ̄). */
  readonly ratio: number;
  /** Tr H. */
  readonly traceH: number;
  /** Tr Σ. */
  readonly traceSigma: number;
  /** Dimension D. */
  readonly size: number;
}

/** Builds the indicator record from Tr(HΣ), TrH, TrΣ and D. */
export function escapingIndicator(args: {
  readonly traceHSigma: number;
  readonly traceH: number;
  readonly traceSigma: number;
  readonly size: number;
}): EscapingIndicator {
  const iso = traceHSigmaIsotropic(args.traceH, args.traceSigma, args.size);
  return Object.freeze({ ...args, traceHSigmaIsotropic: iso, ratio: args.traceHSigma / iso });
}

/** The quantities of the paper's two conditions, at a cut-off k. */
export interface PaperConditions {
  /** The cut-off k of the ill-conditioning condition. */
  readonly k: number;
  /** Dimension D. */
  readonly size: number;
  /** λ₁ of H. */
  readonly lambda1: number;
  /** λ_k of H. */
  readonly lambdaK: number;
  /** λ_{k+1} of H. */
  readonly lambdaK1: number;
  /** λ_{k+1}/λ₁: how far below the leading curvature the tail starts (ill-conditioning). */
  readonly tailRatio: number;
  /** Tr H. */
  readonly traceH: number;
  /** Tr Σ. */
  readonly traceSigma: number;
  /** u₁ᵀΣu₁. */
  readonly u1SigmaU1: number;
  /** u₁ᵀΣu₁ ÷ (λ₁·TrΣ/TrH): the alignment coefficient a of the second condition. */
  readonly alignment: number;
  /**
   * a·D·λ₁²/(TrH)²: a lower bound on Tr(HΣ)/Tr(HΣ̄) when H ⪰ 0, since Tr(HΣ) ≥ λ₁u₁ᵀΣu₁ = a·λ₁²·TrΣ/TrH.
   */
  readonly ratioLowerBound: number;
}

/** The paper's condition quantities from H's leading k+1 eigenpairs, TrH, and Σ. */
export function paperConditions(hessianTop: EigenPairs, k: number, traceH: number, sigma: CovarianceForms): PaperConditions {
  const available = hessianTop.eigenvalues.length;
  if (!Number.isInteger(k) || k < 1 || k + 1 > available) {
    throw new Error(`paperConditions: k=${k} needs k+1 ≤ ${available} Hessian eigenpairs`);
  }
  const size = hessianTop.eigenvectors[0]!.length;
  const lambda1 = hessianTop.eigenvalues[0]!;
  const u1SigmaU1 = sigma.quadraticForm(hessianTop.eigenvectors[0]!);
  const alignment = u1SigmaU1 / ((lambda1 * sigma.trace) / traceH);
  return Object.freeze({
    k,
    size,
    lambda1,
    lambdaK: hessianTop.eigenvalues[k - 1]!,
    lambdaK1: hessianTop.eigenvalues[k]!,
    tailRatio: hessianTop.eigenvalues[k]! / lambda1,
    traceH,
    traceSigma: sigma.trace,
    u1SigmaU1,
    alignment,
    ratioLowerBound: (alignment * size * lambda1 * lambda1) / (traceH * traceH),
  });
}
