import test from 'ava';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Covariance, minibatchCovariance, perExampleCovariance } from './covariance.ts';
import { denseMatvec } from './testing.ts';
import { Rng } from './random.ts';
import { symmetricEigen } from './eigen.ts';
import { dot, gramMatrix } from './vector.ts';

/** Correlated, non-centred Float32 gradient samples g = μ + A·z. */
function gradients(n: number, d: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const mix = Array.from({ length: d }, (_, i) => Float64Array.from({ length: d }, () => rng.normal() / (1 + i)));
  const mu = Float64Array.from({ length: d }, () => rng.normal());
  return Array.from({ length: n }, () => {
    const z = rng.fillNormal(new Float64Array(d));
    return Float32Array.from(mu, (m, i) => m + dot(mix[i]!, z));
  });
}

/** Dense reference Σ built literally from the paper's formulas. */
function denseMinibatch(g: Float32Array[], d: number): Float64Array {
  const n = g.length;
  const mean = new Float64Array(d);
  for (const x of g) for (let i = 0; i < d; i++) mean[i]! += x[i]! / n;
  const s = new Float64Array(d * d);
  for (const x of g) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s[i * d + j]! += ((x[i]! - mean[i]!) * (x[j]! - mean[j]!)) / (n - 1);
  return s;
}
function densePerExample(g: Float32Array[], d: number, m: number): Float64Array {
  const n = g.length;
  const mean = new Float64Array(d);
  for (const x of g) for (let i = 0; i < d; i++) mean[i]! += x[i]! / n;
  const s = new Float64Array(d * d);
  for (const x of g) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s[i * d + j]! += (x[i]! * x[j]!) / n;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s[i * d + j] = (s[i * d + j]! - mean[i]! * mean[j]!) / m;
  return s;
}

const d = 30;
const cases = [
  { id: 'minibatch, n=12 < D', n: 12, build: (g: Float32Array[]) => minibatchCovariance(g), dense: (g: Float32Array[]) => denseMinibatch(g, d) },
  { id: 'minibatch, n=50 > D', n: 50, build: (g: Float32Array[]) => minibatchCovariance(g), dense: (g: Float32Array[]) => denseMinibatch(g, d) },
  { id: 'per-example m=20, N=12', n: 12, build: (g: Float32Array[]) => perExampleCovariance(g, 20), dense: (g: Float32Array[]) => densePerExample(g, d, 20) },
  { id: 'per-example m=5, N=80', n: 80, build: (g: Float32Array[]) => perExampleCovariance(g, 5), dense: (g: Float32Array[]) => densePerExample(g, d, 5) },
];

for (const [index, c] of cases.entries()) {
  test(`operator, trace, diagonal, quadratic form and top-k match a dense Σ: ${c.id}`, async (t) => {
    const g = gradients(c.n, d, 10 + index);
    const cov = c.build(g);
    const ref = c.dense(g);
    const scale = Math.max(...ref.map(Math.abs));
    t.is(cov.size, d);
    const rng = new Rng(99);
    for (let r = 0; r < 3; r++) {
      const v = rng.fillNormal(new Float64Array(d));
      const y = await cov.operator.matvec(v);
      const yRef = denseMatvec(ref, v, d);
      for (let i = 0; i < d; i++) t.true(Math.abs(y[i]! - yRef[i]!) < 1e-10 * scale * d);
      t.true(Math.abs(cov.quadraticForm(v) - dot(v, yRef)) < 1e-10 * scale * d * d);
    }
    let tr = 0;
    const diag = cov.diagonal();
    for (let i = 0; i < d; i++) {
      tr += ref[i * d + i]!;
      t.true(Math.abs(diag[i]! - ref[i * d + i]!) < 1e-12 * scale);
    }
    t.true(Math.abs(cov.trace - tr) < 1e-12 * Math.abs(tr));
    // Top-k against ml-matrix's dense eigensolver.
    const rows = Array.from({ length: d }, (_, i) => Array.from(ref.subarray(i * d, (i + 1) * d)));
    const e = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
    const order = e.realEigenvalues.map((_, i) => i).sort((p, q) => e.realEigenvalues[q]! - e.realEigenvalues[p]!);
    const k = Math.min(8, c.n - 1);
    const top = await cov.topK(k);
    for (let j = 0; j < k; j++) {
      const lam = e.realEigenvalues[order[j]!]!;
      t.true(Math.abs(top.eigenvalues[j]! - lam) < 1e-10 * lam, `eigenvalue ${j}: ${top.eigenvalues[j]} vs ${lam}`);
      const u = Float64Array.from(e.eigenvectorMatrix.getColumn(order[j]!));
      t.true(Math.abs(Math.abs(dot(top.eigenvectors[j]!, u)) - 1) < 1e-8, `eigenvector ${j}`);
    }
  });
}

test('rank: n centred samples give rank n − 1; asking beyond it is an error', async (t) => {
  const cov = minibatchCovariance(gradients(12, d, 3));
  t.is((await cov.topK(11)).eigenvalues.length, 11);
  await t.throwsAsync(cov.topK(12), { message: /k=12 exceeds the numerical rank 11 of Σ \(12 factor rows, D=30\)/ });
  await t.throwsAsync(cov.topK(31), { message: /k=31 must be an integer in \[1, D=30\]/ });
});

test('large n (Gram matrix solved by Lanczos) matches the dense eigensolver', async (t) => {
  const n = 420;
  const dd = 500;
  const rng = new Rng(21);
  const scales = Float64Array.from({ length: dd }, (_, i) => Math.exp(-i / 15));
  const g = Array.from({ length: n }, () => Float32Array.from(scales, (s) => s * rng.normal()));
  const cov = minibatchCovariance(g);
  const top = await cov.topK(6);
  const again = await cov.topK(3);
  const e = symmetricEigen(gramMatrix(cov.factor), n);
  for (let j = 0; j < 6; j++) t.true(Math.abs(top.eigenvalues[j]! - e.values[j]!) < 1e-10 * e.values[j]!);
  t.deepEqual(Array.from(again.eigenvalues), Array.from(top.eigenvalues.slice(0, 3)));
  for (let j = 0; j < 6; j++) {
    const v = top.eigenvectors[j]!;
    t.true(Math.abs(cov.quadraticForm(v) - top.eigenvalues[j]!) < 1e-9 * top.eigenvalues[j]!);
    t.true(Math.abs(dot(v, v) - 1) < 1e-12);
  }
});

test('ξ = Cᵀz has covariance Σ (every entry within 5 sampling sd)', (t) => {
  const dd = 6;
  const cov = perExampleCovariance(gradients(10, dd, 4), 3);
  const sigma = cov.factor.reduce(
    (s, c) => {
      for (let i = 0; i < dd; i++) for (let j = 0; j < dd; j++) s[i * dd + j]! += c[i]! * c[j]!;
      return s;
    },
    new Float64Array(dd * dd),
  );
  const draws = 40_000;
  const rng = new Rng(5);
  const acc = new Float64Array(dd * dd);
  const xi = new Float32Array(dd);
  for (let r = 0; r < draws; r++) {
    cov.sample(rng, xi);
    for (let i = 0; i < dd; i++) for (let j = 0; j < dd; j++) acc[i * dd + j]! += (xi[i]! * xi[j]!) / draws;
  }
  for (let i = 0; i < dd; i++) {
    for (let j = 0; j < dd; j++) {
      // Var of the (zero-mean) sample second moment: (Σ_ij² + Σ_ii Σ_jj) / draws.
      const sd = Math.sqrt((sigma[i * dd + j]! ** 2 + sigma[i * dd + i]! * sigma[j * dd + j]!) / draws);
      t.true(Math.abs(acc[i * dd + j]! - sigma[i * dd + j]!) < 5 * sd, `entry (${i}, ${j})`);
    }
  }
});

test('scaling to a target trace, a bare factor, and named errors', async (t) => {
  const cov = minibatchCovariance(gradients(5, 4, 6));
  const s = cov.scaled(0.01 / cov.trace);
  t.true(Math.abs(s.trace - 0.01) < 1e-15);
  t.deepEqual(Array.from(s.mean), Array.from(cov.mean));
  const bare = new Covariance([Float64Array.of(1, 0), Float64Array.of(0, 2)]);
  t.is(bare.trace, 5);
  t.deepEqual(Array.from((await bare.topK(2)).eigenvalues), [4, 1]);
  t.throws(() => minibatchCovariance([new Float32Array(3)]), { message: /needs n ≥ 2 gradient samples, got 1/ });
  t.throws(() => minibatchCovariance([new Float32Array(3), new Float32Array(4)]), { message: /sample 1 has length 4, expected 3/ });
  t.throws(() => perExampleCovariance([new Float32Array(3), new Float32Array(3)], 0), { message: /batch size m must be positive, got 0/ });
  t.throws(() => minibatchCovariance([Float32Array.of(NaN), Float32Array.of(1)]), { message: /sample 0 has non-finite value NaN at index 0/ });
});
