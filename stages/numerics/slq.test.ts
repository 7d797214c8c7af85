import test from 'ava';
import { denseMatmul, denseMatvec, denseTrace, randomSymmetric } from './testing.ts';
import { denseOperator } from './operator.ts';
import { Rng } from './random.ts';
import { slq, slqDensity, slqDensityGrid, slqMoment } from './slq.ts';
import { dot } from './vector.ts';

/** Trapezoid rule ∫ f(t) t^p dt on a grid. */
function integrate(grid: Float64Array, f: Float64Array, p: number): number {
  let s = 0;
  for (let i = 1; i < grid.length; i++) {
    const a = f[i - 1]! * grid[i - 1]! ** p;
    const b = f[i]! * grid[i]! ** p;
    s += 0.5 * (a + b) * (grid[i]! - grid[i - 1]!);
  }
  return s;
}

/** √(2 Σ_{i≠j} B_ij²) / D: the standard deviation of zᵀBz / D for one Rademacher probe. */
function probeSd(b: Float64Array, n: number): number {
  let off = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off += b[i * n + j]! ** 2;
  return Math.sqrt(2 * off) / n;
}

const n = 120;
const spectrum = Array.from({ length: n }, (_, i) => (i < 5 ? 20 - 3 * i : Math.sin(i) * Math.exp(-i / 60)));
const { matrix } = randomSymmetric(spectrum, new Rng(1));
const a2 = denseMatmul(matrix, matrix, n);

test('density integrates to 1 and its moments are those of the quadrature (+σ² for the second)', async (t) => {
  const res = await slq(denseOperator(matrix, n), { probes: 20, steps: 30, seed: 2 });
  t.is(res.matvecs, 20 * 30);
  for (const w of res.weights) t.true(Math.abs(w.reduce((x, y) => x + y, 0) - 1) < 1e-12);
  const sigma = 0.3;
  const { grid, density } = slqDensityGrid(res, { sigma, points: 4000 });
  t.true(Math.abs(integrate(grid, density, 0) - 1) < 1e-6);
  t.true(Math.abs(integrate(grid, density, 1) - slqMoment(res, 1)) < 1e-6);
  t.true(Math.abs(integrate(grid, density, 2) - (slqMoment(res, 2) + sigma * sigma)) < 1e-5);
});

test('first two moments estimate tr(A)/D and tr(A²)/D within probe error', async (t) => {
  const probes = 40;
  const res = await slq(denseOperator(matrix, n), { probes, steps: 20, seed: 3 });
  const m1 = denseTrace(matrix, n) / n;
  const m2 = denseTrace(a2, n) / n;
  const sd1 = probeSd(matrix, n) / Math.sqrt(probes);
  const sd2 = probeSd(a2, n) / Math.sqrt(probes);
  t.log(
    `m1 ${slqMoment(res, 1).toFixed(4)} vs ${m1.toFixed(4)} (sd ${sd1.toFixed(4)}); m2 ${slqMoment(res, 2).toFixed(3)} vs ${m2.toFixed(3)} (sd ${sd2.toFixed(3)})`,
  );
  t.true(Math.abs(slqMoment(res, 1) - m1) < 4 * sd1);
  t.true(Math.abs(slqMoment(res, 2) - m2) < 4 * sd2);
});

test('Gauss quadrature is exact per probe up to degree 2m − 1', async (t) => {
  const m = 4;
  const rng = new Rng(4);
  const res = await slq(denseOperator(matrix, n), { probes: 1, steps: m, rng: new Rng(4) });
  // Recreate the probe from the same stream: Rademacher / √D.
  const z = rng.fillRademacher(new Float64Array(n)).map((x) => x / Math.sqrt(n));
  let v: Float64Array = Float64Array.from(z);
  for (let p = 1; p <= 2 * m - 1; p++) {
    v = denseMatvec(matrix, v, n);
    const exact = dot(z, v);
    const quad = slqMoment(res, p);
    t.true(Math.abs(quad - exact) <= 1e-9 * Math.max(1, Math.abs(exact)), `p=${p}: ${quad} vs ${exact}`);
  }
});

test('an operator with 3 distinct eigenvalues stops after 3 steps with exact nodes', async (t) => {
  const { matrix: small } = randomSymmetric([2, 2, 2, -1, -1, 5, 5, 5, 5, 5], new Rng(5));
  const res = await slq(denseOperator(small, 10), { probes: 2, steps: 8, probe: 'gaussian', seed: 6 });
  t.deepEqual(res.stepsTaken, [3, 3]);
  for (const tau of res.nodes)
    t.deepEqual(
      Array.from(tau, (x) => Math.round(x * 1e8) / 1e8),
      [5, 2, -1],
    );
  const d = slqDensity(res, [0], 1);
  t.true(d[0]! > 0);
});

test('bad options are named', async (t) => {
  const op = denseOperator(matrix, n);
  await t.throwsAsync(slq(op, { probes: 1, steps: 121, seed: 1 }), { message: /steps=121 must be an integer in \[1, size=120\]/ });
  await t.throwsAsync(slq(op, { probes: 0, steps: 5, seed: 1 }), { message: /probes must be a positive integer, got 0/ });
  t.throws(() => slqDensity({ size: 1, nodes: [], weights: [], stepsTaken: [], matvecs: 0 }, [0], 0), { message: /sigma must be positive, got 0/ });
});
