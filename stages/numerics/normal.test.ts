import test from 'ava';
import { normalCdf, normalQuantile, zForLevel } from './normal.ts';

test('Φ matches published values', (t) => {
  // Values from R: pnorm(1.96), pnorm(-3), pnorm(0.5), pnorm(-8).
  const table: [number, number][] = [
    [0, 0.5],
    [1.96, 0.9750021048517795],
    [-3, 0.0013498980316301],
    [0.5, 0.6914624612740131],
    [-8, 6.220960574271785e-16],
  ];
  for (const [x, p] of table) t.true(Math.abs(normalCdf(x) - p) <= 1e-14 + 1e-9 * p, `Φ(${x}) = ${normalCdf(x)}, expected ${p}`);
  t.is(normalCdf(-40), 0);
  t.is(normalCdf(40), 1);
});

test('Φ⁻¹ gives the known quantiles and inverts Φ', (t) => {
  t.true(Math.abs(zForLevel(0.95) - 1.959963985) < 5e-10, `${zForLevel(0.95)}`);
  t.true(Math.abs(zForLevel(0.99) - 2.575829304) < 5e-10, `${zForLevel(0.99)}`);
  t.true(Math.abs(zForLevel(0.9) - 1.644853627) < 5e-10, `${zForLevel(0.9)}`);
  t.is(normalQuantile(0.5), 0);
  t.true(Math.abs(normalQuantile(0.3) + 0.5244005127080407) < 1e-13);
  t.true(Math.abs(normalQuantile(1e-6) + 4.753424308822899) < 1e-11);
  for (const p of [1e-12, 1e-6, 0.001, 0.02, 0.0243, 0.1, 0.37, 0.5, 0.81, 0.975, 0.9999]) {
    const x = normalQuantile(p);
    t.true(Math.abs(normalCdf(x) - p) <= 1e-14 + 1e-8 * Math.min(p, 1 - p), `Φ(Φ⁻¹(${p})) = ${normalCdf(x)}`);
    // 1 − p is inexact in floating point for tiny p, so symmetry is checked from 1e-6 up.
    if (p >= 1e-6) t.true(Math.abs(normalQuantile(1 - p) + x) < 1e-9 * Math.max(1, Math.abs(x)), `symmetry at ${p}`);
  }
  t.throws(() => normalQuantile(0), { message: /p must lie in \(0, 1\), got 0/ });
  t.throws(() => zForLevel(1), { message: /confidence level must lie in \(0, 1\), got 1/ });
});
