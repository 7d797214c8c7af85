/**
 * The noise statistics of the 2-D toy at a point: full-batch gradient and Hessian, and the per-sample gradient
 * covariance Σ normalised by 1/N (the paper's toy protocol), with exactly what a noise kind asked for. `released-cumulative`
 * is Σ as the authors' released 2Dim/model.py `eval_Cov` computes it: `backward()` per sample without zeroing the
 * gradient, so it stacks the running sums g₁, g₁+g₂, … (plus whatever gradient was left over, which centring cancels).
 */
import { symmetricEigen } from '../numerics/eigen.ts';
import type { NoiseKind, NoiseNeeds, NoiseStats } from '../noise/kind.ts';
import { toy2dEvaluate, toy2dPerExampleGradients } from '../models/toy2d_f64.ts';

/** Full-batch quantities at w: loss, gradient, Hessian (row-major 2×2) and Σ (row-major 2×2, 1/N). */
export interface Toy2dPoint {
  loss: number;
  grad: [number, number];
  hessian: Float64Array;
  sigma: Float64Array;
}

/** How the toy's Σ is computed: from the per-sample gradients (correct), or as the released code does (cumulative sums). */
export type Toy2dCovariance = 'per-sample' | 'released-cumulative';

/** Whether a kind's noise shape depends on Σ beyond its trace (the toy rescales every kind to the same variance). */
export function usesCovarianceShape(kind: NoiseKind, needs: NoiseNeeds): boolean {
  return kind.name !== 'sgd' && (needs.covarianceDiagonal || needs.covarianceTopK > 0 || needs.covarianceFactor);
}

/** Centred covariance (1/N, row-major 2×2) of N two-vectors stored N×2. */
export function covariance2(v: Float64Array): Float64Array {
  const n = v.length / 2;
  let m0 = 0;
  let m1 = 0;
  for (let i = 0; i < n; i++) {
    m0 += v[2 * i]!;
    m1 += v[2 * i + 1]!;
  }
  m0 /= n;
  m1 /= n;
  let s00 = 0;
  let s01 = 0;
  let s11 = 0;
  for (let i = 0; i < n; i++) {
    const a = v[2 * i]! - m0;
    const b = v[2 * i + 1]! - m1;
    s00 += a * a;
    s01 += a * b;
    s11 += b * b;
  }
  return Float64Array.of(s00 / n, s01 / n, s01 / n, s11 / n);
}

/** Running sums of N two-vectors (N×2): row j is g₁ + … + g_j, the stack the released `eval_Cov` builds. */
export function cumulativeRows(g: Float64Array): Float64Array {
  const out = new Float64Array(g.length);
  let a = 0;
  let b = 0;
  for (let i = 0; i < g.length / 2; i++) {
    a += g[2 * i]!;
    b += g[2 * i + 1]!;
    out[2 * i] = a;
    out[2 * i + 1] = b;
  }
  return out;
}

/** Loss, gradient, Hessian and gradient covariance (1/N, per `covariance`) of one data set (N×2) at w. */
export function toy2dPoint(w: ArrayLike<number>, data: Float64Array, covariance: Toy2dCovariance = 'per-sample'): Toy2dPoint {
  const e = toy2dEvaluate(w, data);
  const g = toy2dPerExampleGradients(w, data);
  const [h00, h01, h11] = e.hessian;
  return {
    loss: e.loss,
    grad: e.grad,
    hessian: Float64Array.of(h00, h01, h01, h11),
    sigma: covariance2(covariance === 'per-sample' ? g : cumulativeRows(g)),
  };
}

/** The statistics `needs` declares, computed from a toy point (D = 2, so eigenpairs come from 2×2 matrices). */
export function toy2dNoiseStats(point: Toy2dPoint, needs: NoiseNeeds): NoiseStats {
  const stats: { -readonly [K in keyof NoiseStats]: NoiseStats[K] } = { size: 2 };
  const s = point.sigma;
  if (needs.covarianceTrace) stats.covarianceTrace = s[0]! + s[3]!;
  if (needs.covarianceDiagonal) stats.covarianceDiagonal = Float64Array.of(s[0]!, s[3]!);
  if (needs.covarianceTopK > 0 || needs.covarianceFactor) {
    const e = symmetricEigen(s, 2);
    if (needs.covarianceTopK > 0) stats.covarianceTopK = { eigenvalues: e.values, eigenvectors: e.vectors };
    // A factor of the 2×2 Σ: rows √λ_j v_j, so Σ_j r_j r_jᵀ = Σ exactly (λ_j ≥ 0 up to rounding).
    if (needs.covarianceFactor) stats.covarianceFactor = e.vectors.map((v, j) => v.map((x) => x * Math.sqrt(Math.max(e.values[j]!, 0))));
  }
  if (needs.hessianTopK > 0) {
    const e = symmetricEigen(point.hessian, 2);
    stats.hessianTopK = { eigenvalues: e.values, eigenvectors: e.vectors };
  }
  return stats;
}
