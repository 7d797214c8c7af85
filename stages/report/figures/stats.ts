/** Small statistics over seeds for the report builders: group records and reduce each group to mean, range and sd. */

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
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, min: Math.min(...v), max: Math.max(...v), sd, n: v.length };
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

/** Spearman rank correlation of two equally long lists (average ranks for ties); null for fewer than 3 pairs or no variation. */
export function spearman(a: readonly number[], b: readonly number[]): number | null {
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

/** 1-based ranks with ties sharing their average rank. */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}
