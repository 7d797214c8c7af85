/**
 * Symmetric α-stable variates (β = 0, unit scale: E exp(itX) = exp(−|t|^α)) by the Chambers–Mallows–Stuck method
 * (Chambers, Mallows & Stuck 1976; Weron 1996, eq. 3.3), for testing tail-index estimators.
 */
import type { Rng } from './random.ts';

/**
 * One draw of a symmetric α-stable variate with characteristic function exp(−|t|^α), 0 < α ≤ 2: with
 * V ~ U(−π/2, π/2) and W ~ Exp(1), X = sin(αV)/cos(V)^{1/α} · (cos((1 − α)V)/W)^{(1 − α)/α} (α = 1: tan V, the
 * standard Cauchy; α = 2: N(0, 2)). Example: `stableSymmetric(new Rng(1), 1.5)`.
 */
export function stableSymmetric(rng: Rng, alpha: number): number {
  if (!(alpha > 0 && alpha <= 2)) throw new Error(`stableSymmetric: α must lie in (0, 2], got ${alpha}`);
  let u = 0;
  while (u === 0) u = rng.uniform();
  const v = Math.PI * (u - 0.5);
  if (alpha === 1) return Math.tan(v);
  let w = 0;
  while (w === 0) w = -Math.log(1 - rng.uniform());
  return (Math.sin(alpha * v) / Math.pow(Math.cos(v), 1 / alpha)) * Math.pow(Math.cos((1 - alpha) * v) / w, (1 - alpha) / alpha);
}

/** Fills `out` with independent symmetric α-stable variates of scale `scale` (see `stableSymmetric`) and returns it. */
export function fillStableSymmetric<T extends Float32Array | Float64Array>(rng: Rng, alpha: number, out: T, scale = 1): T {
  for (let i = 0; i < out.length; i++) out[i] = scale * stableSymmetric(rng, alpha);
  return out;
}
