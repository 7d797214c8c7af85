import test from 'ava';
import { Rng } from './random.ts';
import { ranks, spearman, spearmanBootstrap } from './rank-correlation.ts';

test('spearman reproduces a textbook example via 1 − 6Σd²/(n(n²−1)) (untied data)', (t) => {
  // IQ and hours of TV per week (Wikipedia, "Spearman's rank correlation coefficient": Σd² = 194, ρ = −29/165).
  const iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
  const tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];
  const ra = ranks(iq);
  const rb = ranks(tv);
  const d2 = ra.reduce((s, r, i) => s + (r - rb[i]!) ** 2, 0);
  t.is(d2, 194);
  const n = iq.length;
  t.true(Math.abs(spearman(iq, tv)! - (1 - (6 * d2) / (n * (n * n - 1)))) < 1e-12);
  t.true(Math.abs(spearman(iq, tv)! + 29 / 165) < 1e-12);
});

test('spearmanBootstrap: monotone data give ρ = 1 and the interval [1, 1]', (t) => {
  const a = Array.from({ length: 12 }, (_, i) => i);
  const b = a.map((x) => Math.exp(x));
  const r = spearmanBootstrap(a, b, new Rng(3), { resamples: 500 });
  t.is(r.rho, 1);
  t.true(Math.abs(r.lower - 1) < 1e-12 && Math.abs(r.upper - 1) < 1e-12, `[${r.lower}, ${r.upper}]`);
  t.is(r.resamples + r.degenerate, 500);
});

test('spearmanBootstrap drops resamples with a constant list and counts them', (t) => {
  // With n = 3, a resample is constant when all three indices coincide: probability 3/27 = 1/9.
  const r = spearmanBootstrap([1, 2, 3], [1, 3, 2], new Rng(11), { resamples: 2000 });
  const expected = 2000 / 9;
  const sd = Math.sqrt(2000 * (1 / 9) * (8 / 9));
  t.true(Math.abs(r.degenerate - expected) < 4 * sd, `${r.degenerate} degenerate (expected ${expected.toFixed(1)} ± ${sd.toFixed(1)})`);
  t.is(r.resamples + r.degenerate, 2000);
  t.true(r.lower >= -1 && r.upper <= 1 && r.lower <= r.upper);
  t.throws(() => spearmanBootstrap([1, 1, 1], [1, 2, 3], new Rng(1)), { message: /ρ is undefined for these 3 pairs/ });
  t.throws(() => spearmanBootstrap([1, 2], [1, 2], new Rng(1)), { message: /ρ is undefined/ });
  t.throws(() => spearmanBootstrap([1, 2, 3], [1, 2], new Rng(1)), { message: /lengths differ \(3 vs 2\)/ });
  t.throws(() => spearmanBootstrap([1, 2, 3], [1, 2, 3], new Rng(1), { resamples: 0 }), { message: /resamples must be a positive integer, got 0/ });
});

test('spearmanBootstrap is deterministic for a fixed seed', (t) => {
  const rng = new Rng(5);
  const a = Array.from({ length: 30 }, () => rng.normal());
  const b = a.map((x) => x + rng.normal());
  const r1 = spearmanBootstrap(a, b, new Rng(9), { resamples: 300 });
  const r2 = spearmanBootstrap(a, b, new Rng(9), { resamples: 300 });
  const r3 = spearmanBootstrap(a, b, new Rng(10), { resamples: 300 });
  t.deepEqual(r1, r2);
  t.is(r1.rho, r3.rho);
  t.not(r1.lower, r3.lower);
});

test('spearmanBootstrap 95% intervals cover the population ρ_s = (6/π)·asin(r/2) of bivariate normals', (t) => {
  const r = 0.6;
  const rhoS = (6 / Math.PI) * Math.asin(r / 2);
  const reps = 200;
  const n = 50;
  const rng = new Rng(2019);
  let covered = 0;
  for (let k = 0; k < reps; k++) {
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = rng.normal();
      y[i] = r * x[i]! + Math.sqrt(1 - r * r) * rng.normal();
    }
    const b = spearmanBootstrap(x, y, rng, { resamples: 1000 });
    if (b.lower <= rhoS && rhoS <= b.upper) covered++;
  }
  t.log(`coverage ${covered}/${reps} = ${((100 * covered) / reps).toFixed(1)}% of ρ_s = ${rhoS.toFixed(4)} (n = ${n}, 1000 resamples)`);
  // Binomial sd at 95% over 200 repetitions is 1.5 points; the percentile bootstrap undercovers a little at n = 50.
  t.true(covered / reps >= 0.88);
});
