import test from 'ava';
import { fillStableSymmetric, stableSymmetric } from './random-stable.ts';
import { Rng } from './random.ts';

const N = 100_000;

test('α = 2 is N(0, 2): variance 2 within sampling error', (t) => {
  const x = fillStableSymmetric(new Rng(1), 2, new Float64Array(N));
  const mean = x.reduce((a, b) => a + b, 0) / N;
  const v = x.reduce((a, b) => a + b * b, 0) / N;
  // Var of X² for N(0, 2) is 2·2² = 8; of the mean, 2/N.
  t.true(Math.abs(mean) < 4 * Math.sqrt(2 / N), `mean ${mean}`);
  t.true(Math.abs(v - 2) < 4 * Math.sqrt(8 / N), `variance ${v}`);
});

test('α = 1 is the standard Cauchy: median of |X| is 1', (t) => {
  const x = fillStableSymmetric(new Rng(2), 1, new Float64Array(N));
  const below = x.reduce((c, v) => c + (Math.abs(v) < 1 ? 1 : 0), 0) / N;
  t.true(Math.abs(below - 0.5) < 4 * Math.sqrt(0.25 / N), `P(|X| < 1) = ${below}`);
  const inside = x.reduce((c, v) => c + (Math.abs(v) < Math.tan((3 * Math.PI) / 8) ? 1 : 0), 0) / N;
  t.true(Math.abs(inside - 0.75) < 4 * Math.sqrt(0.1875 / N), `P(|X| < tan 3π/8) = ${inside}`);
});

test('the empirical characteristic function matches exp(−|t|^α) within sampling error', (t) => {
  for (const alpha of [0.7, 1.1, 1.5, 1.8]) {
    const x = fillStableSymmetric(new Rng(Math.round(alpha * 100)), alpha, new Float64Array(N));
    for (const s of [0.3, 1, 2.5]) {
      const phi = (u: number) => Math.exp(-Math.pow(Math.abs(u), alpha));
      const est = x.reduce((a, v) => a + Math.cos(s * v), 0) / N;
      // Var cos(sX) = (1 + φ(2s))/2 − φ(s)² (the imaginary part vanishes by symmetry).
      const sd = Math.sqrt(((1 + phi(2 * s)) / 2 - phi(s) ** 2) / N);
      t.true(Math.abs(est - phi(s)) < 4 * sd, `α=${alpha}, t=${s}: ${est} vs ${phi(s)} (sd ${sd})`);
    }
  }
  t.throws(() => stableSymmetric(new Rng(1), 0), { message: /α must lie in \(0, 2\], got 0/ });
  t.throws(() => stableSymmetric(new Rng(1), 2.5), { message: /got 2.5/ });
});
