/** Confidence intervals: the Wilson score interval of a binomial proportion, and percentile intervals of bootstrap values. */
import { zForLevel } from './normal.ts';

/** A point estimate with the two ends of its confidence interval. */
export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
}

/**
 * The Wilson score interval of `successes` out of `trials` (Wilson 1927; Newcombe 1998, method 3): the p with
 * |p̂ − p| ≤ z·√(p(1 − p)/n), i.e. (p̂ + z²/2n ± z·√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n), z = Φ⁻¹((1 + level)/2).
 * `estimate` is p̂ = successes/trials. Example: `wilsonInterval(5, 10)` = { estimate: 0.5, lower: 0.2366, upper: 0.7634 }.
 */
export function wilsonInterval(successes: number, trials: number, level = 0.95): Interval {
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`wilsonInterval: trials must be a positive integer, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new Error(`wilsonInterval: successes must be an integer in [0, ${trials}], got ${successes}`);
  }
  const z = zForLevel(level);
  const n = trials;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return {
    estimate: p,
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === trials ? 1 : Math.min(1, centre + half),
  };
}

/** The q-quantile (0 ≤ q ≤ 1) of ascending-sorted values, interpolating linearly between order statistics (R's type 7). */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('sortedQuantile: no values');
  if (!(q >= 0 && q <= 1)) throw new Error(`sortedQuantile: q must lie in [0, 1], got ${q}`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** The percentile interval [(1 − level)/2, (1 + level)/2 quantiles] of bootstrap values (need not be sorted; not modified). */
export function percentileInterval(values: ArrayLike<number>, level: number): { lower: number; upper: number } {
  if (!(level > 0 && level < 1)) throw new Error(`percentileInterval: level must lie in (0, 1), got ${level}`);
  const sorted = Float64Array.from(values).sort();
  return { lower: sortedQuantile(sorted, (1 - level) / 2), upper: sortedQuantile(sorted, (1 + level) / 2) };
}
