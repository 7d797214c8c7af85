/**
 * The noise statistics of the 2-D toy at a point: full-batch gradient and Hessian, and the per-sample gradient
 * covariance Σ normalised by 1/N (the paper's toy protocol), with exactly what a noise kind asked for.
 */
import { symmetricEigen } from '../numerics/eigen.ts';
import type { NoiseNeeds, NoiseStats } from '../noise/kind.ts';
import { toy2dEvaluate, toy2dPerExampleGradients } from '../models/toy2d_f64.ts';

/** Full-batch quantities at w: loss, gradient, Hessian (row-major 2×2) and Σ (row-major 2×2, 1/N). */
export interface Toy2dPoint {
  loss: number;
  grad: [number, number];
  hessian: Float64Array;
  sigma: Float64Array;
}

/** Loss, gradient, Hessian and per-sample gradient covariance (1/N) of one data set (N×2) at w. */
export function toy2dPoint(w: ArrayLike<number>, data: Float64Array): Toy2dPoint {
  const e = toy2dEvaluate(w, data);
  const g = toy2dPerExampleGradients(w, data);
  const n = data.length / 2;
  let s00 = 0;
  let s01 = 0;
  let s11 = 0;
  for (let i = 0; i < n; i++) {
    const a = g[2 * i]! - e.grad[0];
    const b = g[2 * i + 1]! - e.grad[1];
    s00 += a * a;
    s01 += a * b;
    s11 += b * b;
  }
  const [h00, h01, h11] = e.hessian;
  return {
    loss: e.loss,
    grad: e.grad,
    hessian: Float64Array.of(h00, h01, h01, h11),
    sigma: Float64Array.of(s00 / n, s01 / n, s01 / n, s11 / n),
  };
}

/** The statistics `needs` declares, computed from a toy point (D = 2, so eigenpairs come from 2×2 matrices). */
export function toy2dNoiseStats(point: Toy2dPoint, needs: NoiseNeeds): NoiseStats {
  const stats: { -readonly [K in keyof NoiseStats]: NoiseStats[K] } = { size: 2 };
  const s = point.sigma;
  if (needs.covarianceTrace) stats.covarianceTrace = s[0]! + s[3]!;
  if (needs.covarianceDiagonal) stats.covarianceDiagonal = Float64Array.of(s[0]!, s[3]!);
  if (needs.covarianceTopK > 0) {
    const e = symmetricEigen(s, 2);
    stats.covarianceTopK = { eigenvalues: e.values, eigenvectors: e.vectors };
  }
  if (needs.hessianTopK > 0) {
    const e = symmetricEigen(point.hessian, 2);
    stats.hessianTopK = { eigenvalues: e.values, eigenvectors: e.vectors };
  }
  return stats;
}
