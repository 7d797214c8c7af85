/**
 * Weighted least squares of a straight line y = a + b·x with known variances of the y (weights wᵢ = 1/σᵢ²): the slope
 * b = Σw(x − x̄)(y − ȳ)/Σw(x − x̄)² (weighted means), its standard error 1/√Σw(x − x̄)² (the variances are taken as
 * known, so the interval is normal: b ± z·se), and the weighted R² = 1 − Σw(y − ŷ)²/Σw(y − ȳ)².
 */
import { zForLevel } from './normal.ts';

/** The fitted line with the slope's interval and the fit's R². */
export interface LineFit {
  readonly points: number;
  readonly intercept: number;
  readonly slope: number;
  readonly slopeSe: number;
  readonly slopeLower: number;
  readonly slopeUpper: number;
  /** Weighted R²; null when every y equals the weighted mean. */
  readonly r2: number | null;
}

/** Fits y = a + b·x with variances `variances` of the y. Example: `weightedLineFit([0, 1, 2], [1, 3, 5], [1, 1, 1]).slope` = 2. */
export function weightedLineFit(x: readonly number[], y: readonly number[], variances: readonly number[], level = 0.95): LineFit {
  const n = x.length;
  if (y.length !== n || variances.length !== n) throw new Error(`weightedLineFit: ${n} x, ${y.length} y and ${variances.length} variances`);
  if (n < 2) throw new Error(`weightedLineFit: needs at least 2 points, got ${n}`);
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    const v = variances[i]!;
    if (!(v > 0 && Number.isFinite(v)) || !Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) {
      throw new Error(`weightedLineFit: point ${i} has x ${x[i]}, y ${y[i]}, variance ${v}`);
    }
    sw += 1 / v;
    sx += x[i]! / v;
    sy += y[i]! / v;
  }
  const mx = sx / sw;
  const my = sy / sw;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const w = 1 / variances[i]!;
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += w * dx * dx;
    sxy += w * dx * dy;
    syy += w * dy * dy;
  }
  if (!(sxx > 0)) throw new Error('weightedLineFit: every x is the same');
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const r = y[i]! - intercept - slope * x[i]!;
    sse += (r * r) / variances[i]!;
  }
  const se = 1 / Math.sqrt(sxx);
  const z = zForLevel(level);
  return { points: n, intercept, slope, slopeSe: se, slopeLower: slope - z * se, slopeUpper: slope + z * se, r2: syy > 0 ? 1 - sse / syy : null };
}
