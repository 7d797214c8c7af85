/**
 * Spearman rank correlation with average ranks for ties, and a seeded percentile-bootstrap interval for it. The
 * report's claims and any later statistics use this one implementation.
 */
import { percentileInterval } from './intervals.ts';
import type { Rng } from './random.ts';

/** 1-based ranks with ties sharing their average rank. Example: `ranks([10, 20, 20, 5])` = [2, 3.5, 3.5, 1]. */
export function ranks(xs: ArrayLike<number>): number[] {
  const order = Array.from(xs, (x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman rank correlation of two equally long lists (average ranks for ties); null for fewer than 3 pairs or no variation. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length !== b.length) throw new Error(`spearman: lengths differ (${a.length} vs ${b.length})`);
  if (a.length < 3) return null;
  const ra = ranks(a);
  const rb = ranks(b);
  const ma = ra.reduce((x, y) => x + y, 0) / ra.length;
  const mb = rb.reduce((x, y) => x + y, 0) / rb.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    sab += (ra[i]! - ma) * (rb[i]! - mb);
    saa += (ra[i]! - ma) ** 2;
    sbb += (rb[i]! - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? null : sab / Math.sqrt(saa * sbb);
}

/** Spearman's ρ of the data with a percentile bootstrap interval and how many resamples it rests on. */
export interface SpearmanBootstrap {
  /** ρ of the data themselves. */
  rho: number;
  lower: number;
  upper: number;
  /** Resamples that entered the interval (those where both resampled lists vary). */
  resamples: number;
  /** Resamples dropped because one resampled list was constant (ρ undefined). */
  degenerate: number;
}

/**
 * Spearman's ρ of (a, b) with a percentile bootstrap interval: `resamples` times, n pairs are drawn with replacement
 * (indices from `rng`, so a fixed seed gives a fixed result) and ρ recomputed with average ranks. A resample in
 * which a or b is constant has no ρ: it is dropped and counted in `degenerate`, and the interval is taken over the
 * others. Throws if the data have no ρ or every resample is degenerate. Example:
 * `spearmanBootstrap(x, y, new Rng(1), { resamples: 2000 })`.
 */
export function spearmanBootstrap(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  rng: Rng,
  { resamples = 2000, level = 0.95 }: { resamples?: number; level?: number } = {},
): SpearmanBootstrap {
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`spearmanBootstrap: resamples must be a positive integer, got ${resamples}`);
  const rho = spearman(a, b);
  if (rho === null) throw new Error(`spearmanBootstrap: ρ is undefined for these ${a.length} pairs (need ≥ 3 pairs and variation in both lists)`);
  const n = a.length;
  const ra = new Float64Array(n);
  const rb = new Float64Array(n);
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const j = rng.int(n);
      ra[i] = a[j]!;
      rb[i] = b[j]!;
    }
    const v = spearman(ra, rb);
    if (v !== null) values.push(v);
  }
  if (values.length === 0) throw new Error(`spearmanBootstrap: all ${resamples} resamples of ${n} pairs were degenerate (a constant list)`);
  const { lower, upper } = percentileInterval(values, level);
  return { rho, lower, upper, resamples: values.length, degenerate: resamples - values.length };
}
