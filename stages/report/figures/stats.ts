/** Small statistics over seeds for the report builders: group records and reduce each group to mean, range and sd. */
import { mean } from '../../numerics/vector.ts';

/** Mean, minimum, maximum, sample standard deviation and count of some numbers (null-free). */
export interface Spread {
  mean: number;
  min: number;
  max: number;
  sd: number;
  n: number;
}

/** The spread of `xs`, ignoring null and non-finite values; null when nothing is left. */
export function spread(xs: readonly (number | null | undefined)[]): Spread | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return null;
  const m = mean(v);
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return { mean: m, min: Math.min(...v), max: Math.max(...v), sd, n: v.length };
}

/** Groups records by the values of `keys` (in first-seen order) and reduces each group's `field` to its spread. */
export function spreadBy(rows: readonly object[], keys: readonly string[], field: string): (Record<string, unknown> & Spread)[] {
  const groups = new Map<string, { head: Record<string, unknown>; values: unknown[] }>();
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    const id = JSON.stringify(keys.map((k) => r[k]));
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { head: Object.fromEntries(keys.map((k) => [k, r[k]])), values: [] }));
    g.values.push(r[field]);
  }
  const out: (Record<string, unknown> & Spread)[] = [];
  for (const g of groups.values()) {
    const s = spread(g.values as (number | null)[]);
    if (s) out.push({ ...g.head, ...s });
  }
  return out;
}

/** Spearman's ρ and average ranks live in stages/numerics (one implementation for the report and the statistics). */
export { ranks, spearman } from '../../numerics/rank-correlation.ts';
