import test from 'ava';
import { percentileInterval, sortedQuantile, wilsonInterval } from './intervals.ts';

/** The Wilson interval straight from its definition: the roots in p of (p̂ − p)² = z²·p(1 − p)/n. */
function wilsonRoots(s: number, n: number, z: number): [number, number] {
  const p = s / n;
  // (1 + z²/n)p² − (2p̂ + z²/n)p + p̂² = 0
  const a = 1 + (z * z) / n;
  const b = -(2 * p + (z * z) / n);
  const c = p * p;
  const disc = Math.sqrt(b * b - 4 * a * c);
  return [(-b - disc) / (2 * a), (-b + disc) / (2 * a)];
}

test('Wilson interval equals the roots of its defining quadratic', (t) => {
  const z95 = 1.959963984540054;
  const z99 = 2.5758293035489;
  for (const [s, n] of [
    [1, 10],
    [3, 7],
    [81, 263],
    [15, 148],
    [999, 1000],
    [50, 100],
  ] as [number, number][]) {
    for (const [level, z] of [
      [0.95, z95],
      [0.99, z99],
    ] as [number, number][]) {
      const w = wilsonInterval(s, n, level);
      const [lo, hi] = wilsonRoots(s, n, z);
      t.true(Math.abs(w.lower - lo) < 1e-12 && Math.abs(w.upper - hi) < 1e-12, `${s}/${n} at ${level}: [${w.lower}, ${w.upper}] vs [${lo}, ${hi}]`);
      t.is(w.estimate, s / n);
    }
  }
});

test('Wilson interval matches published values (Newcombe 1998, Table I)', (t) => {
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  const check = (s: number, n: number, lo: number, hi: number) => {
    const w = wilsonInterval(s, n);
    t.deepEqual([r4(w.lower), r4(w.upper)], [lo, hi], `${s}/${n}`);
  };
  check(81, 263, 0.2553, 0.3662);
  check(15, 148, 0.0624, 0.1605);
  check(0, 20, 0, 0.1611);
  check(1, 29, 0.0061, 0.1718);
  check(0, 10, 0, 0.2775);
  check(5, 10, 0.2366, 0.7634);
});

test('Wilson interval edge cases: 0 and n successes, bad arguments', (t) => {
  const zero = wilsonInterval(0, 10);
  t.is(zero.lower, 0);
  t.is(zero.estimate, 0);
  const all = wilsonInterval(10, 10);
  t.is(all.upper, 1);
  t.true(Math.abs(all.lower - (1 - zero.upper)) < 1e-15, 'symmetric in successes ↔ failures');
  t.true(wilsonInterval(5, 10, 0.99).lower < wilsonInterval(5, 10, 0.95).lower, 'wider at 99%');
  t.throws(() => wilsonInterval(0, 0), { message: /trials must be a positive integer, got 0/ });
  t.throws(() => wilsonInterval(11, 10), { message: /successes must be an integer in \[0, 10\], got 11/ });
  t.throws(() => wilsonInterval(1.5, 10), { message: /got 1.5/ });
  t.throws(() => wilsonInterval(1, 10, 1.2), { message: /confidence level must lie in \(0, 1\)/ });
});

test('percentile interval interpolates between order statistics', (t) => {
  t.is(sortedQuantile([1, 2, 3, 4, 5], 0.5), 3);
  t.is(sortedQuantile([1, 2, 3, 4], 0.5), 2.5);
  t.is(sortedQuantile([7], 0.9), 7);
  const values = Array.from({ length: 101 }, (_, i) => 100 - i);
  const p = percentileInterval(values, 0.9);
  t.true(Math.abs(p.lower - 5) < 1e-12 && Math.abs(p.upper - 95) < 1e-12, `${p.lower}, ${p.upper}`);
  t.is(values[0], 100, 'input not modified');
  t.throws(() => sortedQuantile([], 0.5), { message: /no values/ });
});
