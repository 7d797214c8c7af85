import test from 'ava';
import { Rng } from './random.ts';
import { weightedLineFit } from './weighted-fit.ts';

test('a straight line is fitted exactly with R² = 1', (t) => {
  const f = weightedLineFit([0, 1, 2, 5], [1, 3, 5, 11], [1, 2, 0.5, 3]);
  t.true(Math.abs(f.slope - 2) < 1e-12 && Math.abs(f.intercept - 1) < 1e-12);
  t.true(Math.abs(f.r2! - 1) < 1e-12);
});

test('equal weights give ordinary least squares (against the normal equations by hand)', (t) => {
  const x = [1, 2, 3, 4];
  const y = [2, 1, 4, 3];
  const f = weightedLineFit(x, y, [0.25, 0.25, 0.25, 0.25]);
  // x̄ = 2.5, ȳ = 2.5, Sxx = 5, Sxy = 3 → b = 0.6, a = 1; SSE = 3.2, SST = 5 → R² = 0.36; se = √(0.25/5)
  t.true(Math.abs(f.slope - 0.6) < 1e-12 && Math.abs(f.intercept - 1) < 1e-12);
  t.true(Math.abs(f.r2! - 0.36) < 1e-12);
  t.true(Math.abs(f.slopeSe - Math.sqrt(0.05)) < 1e-12);
});

test('a weight pulls the line towards its point', (t) => {
  const x = [0, 1, 2];
  const y = [0, 0, 3];
  const light = weightedLineFit(x, y, [1, 1, 100]);
  const heavy = weightedLineFit(x, y, [1, 1, 0.01]);
  t.true(heavy.slope > light.slope);
});

test('with known variances the 95% slope interval covers the true slope ≈ 95% of the time', (t) => {
  const rng = new Rng(3);
  const x = [0, 1, 2, 3, 4, 5];
  const v = [0.1, 0.4, 0.2, 1, 0.3, 0.5];
  let covered = 0;
  const draws = 1000;
  for (let k = 0; k < draws; k++) {
    const y = x.map((xi, i) => 1 - 0.7 * xi + Math.sqrt(v[i]!) * rng.normal());
    const f = weightedLineFit(x, y, v);
    if (f.slopeLower <= -0.7 && -0.7 <= f.slopeUpper) covered++;
  }
  t.true(Math.abs(covered - 950) < 3.5 * Math.sqrt(draws * 0.95 * 0.05), `covered ${covered}`);
});

test('bad input is refused', (t) => {
  t.throws(() => weightedLineFit([1], [1], [1]), { message: /at least 2/ });
  t.throws(() => weightedLineFit([1, 1], [1, 2], [1, 1]), { message: /every x is the same/ });
  t.throws(() => weightedLineFit([1, 2], [1, Number.NaN], [1, 1]), { message: /point 1/ });
});

test('R² is null when every y is the same', (t) => {
  t.is(weightedLineFit([0, 1, 2], [3, 3, 3], [1, 1, 1]).r2, null);
});
