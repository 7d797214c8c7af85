import test from 'ava';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { denseFromEigen, denseMatvec, HouseholderBasis, randomOrthonormalColumns, randomSymmetric, spectralOperator } from './testing.ts';
import { lanczos } from './lanczos.ts';
import { denseOperator, lambdaOperator } from './operator.ts';
import { Rng } from './random.ts';
import { axpy, dot, norm, scaleInPlace } from './vector.ts';

/** Reference eigenpairs from ml-matrix directly (not through our wrapper), descending. */
function denseReference(a: Float64Array, n: number): { values: number[]; vectors: Float64Array[] } {
  const rows = Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
  const e = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const order = e.realEigenvalues.map((_, i) => i).sort((p, q) => e.realEigenvalues[q]! - e.realEigenvalues[p]!);
  return {
    values: order.map((i) => e.realEigenvalues[i]!),
    vectors: order.map((i) => Float64Array.from(e.eigenvectorMatrix.getColumn(i))),
  };
}

const problems = [
  { id: 'D=100 geometric', n: 100, seed: 1, spectrum: (i: number) => Math.pow(0.85, i) },
  { id: 'D=200 power law', n: 200, seed: 2, spectrum: (i: number) => 1 / (1 + i) },
  { id: 'D=300 gap + bulk', n: 300, seed: 3, spectrum: (i: number) => (i < 8 ? 10 - i : 0.5 * Math.exp(-i / 50)) },
];

for (const p of problems) {
  test(`top-10 eigenpairs match the dense eigensolver: ${p.id}`, async (t) => {
    const rng = new Rng(p.seed);
    // Random SPD: spectrum plus tiny random jitter so that the reference is an honest dense solve.
    const spectrum = Array.from({ length: p.n }, (_, i) => p.spectrum(i) * (1 + 0.01 * rng.uniform()));
    const { matrix } = randomSymmetric(spectrum, rng);
    const ref = denseReference(matrix, p.n);
    const res = await lanczos(denseOperator(matrix, p.n), { k: 10, tol: 1e-9, seed: p.seed });
    t.true(res.converged);
    t.log(`${p.id}: ${res.matvecs} matvecs, ${res.restarts} restarts, max rel residual ${Math.max(...res.relativeResiduals).toExponential(1)}`);
    for (let i = 0; i < 10; i++) {
      t.true(Math.abs(res.eigenvalues[i]! - ref.values[i]!) <= 1e-4 * Math.abs(ref.values[i]!), `eigenvalue ${i}`);
      t.true(Math.abs(Math.abs(dot(res.eigenvectors[i]!, ref.vectors[i]!)) - 1) < 1e-6, `eigenvector ${i} up to sign`);
      // Reported residuals are true residuals.
      const r = denseMatvec(matrix, res.eigenvectors[i]!, p.n);
      axpy(-res.eigenvalues[i]!, res.eigenvectors[i]!, r);
      t.true(Math.abs(norm(r) - res.residualNorms[i]!) <= 1e-12 * ref.values[0]!, `residual ${i}`);
      t.true(Math.abs(norm(res.eigenvectors[i]!) - 1) < 1e-12);
      t.true(res.relativeResiduals[i]! <= 1e-9 || res.residualNorms[i]! <= 1e-12);
    }
    for (let i = 1; i < 10; i++) t.true(res.eigenvalues[i - 1]! >= res.eigenvalues[i]!);
  });
}

test('thick restarts (small maxBasis) still converge to the dense answer', async (t) => {
  const n = 150;
  const rng = new Rng(4);
  const { matrix } = randomSymmetric(
    Array.from({ length: n }, (_, i) => 1 / Math.sqrt(1 + i)),
    rng,
  );
  const ref = denseReference(matrix, n);
  const res = await lanczos(denseOperator(matrix, n), { k: 6, tol: 1e-8, maxBasis: 12, seed: 5, maxIter: 2000 });
  t.true(res.converged);
  t.true(res.restarts > 0);
  t.log(`maxBasis=12: ${res.matvecs} matvecs, ${res.restarts} restarts`);
  for (let i = 0; i < 6; i++) t.true(Math.abs(res.eigenvalues[i]! - ref.values[i]!) <= 1e-6 * ref.values[i]!);
});

test('largest algebraic eigenvalues of an indefinite operator, with an async matvec', async (t) => {
  const n = 80;
  const spectrum = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1 : 1) * (5 - i / 20));
  const { matrix } = randomSymmetric(spectrum, new Rng(6));
  const dense = denseOperator(matrix, n);
  const asyncOp = lambdaOperator(async (v) => dense.matvec(v), n);
  const res = await lanczos(asyncOp, { k: 3, tol: 1e-10, seed: 7 });
  const positive = spectrum.filter((x) => x > 0).sort((a, b) => b - a);
  for (let i = 0; i < 3; i++) t.true(Math.abs(res.eigenvalues[i]! - positive[i]!) < 1e-8);
});

test('breakdown: a rank-3 operator asked for k=6 returns 3 eigenvalues and 3 zeros', async (t) => {
  const n = 50;
  const q = randomOrthonormalColumns(n, 3, new Rng(8));
  const a = denseFromEigen(q, [3, 2, 1], n);
  const res = await lanczos(denseOperator(a, n), { k: 6, tol: 1e-10, seed: 9 });
  t.true(res.converged);
  t.true(res.breakdowns >= 1);
  t.deepEqual(
    Array.from(res.eigenvalues.slice(0, 3), (x) => Math.round(x * 1e9) / 1e9),
    [3, 2, 1],
  );
  for (let i = 3; i < 6; i++) t.true(Math.abs(res.eigenvalues[i]!) < 1e-12);
  for (let i = 0; i < 6; i++) for (let j = 0; j < i; j++) t.true(Math.abs(dot(res.eigenvectors[i]!, res.eigenvectors[j]!)) < 1e-10);
});

test('breakdown: the identity is invariant after one step; k = size is exact', async (t) => {
  const n = 30;
  const eye = lambdaOperator((v) => Float64Array.from(v), n);
  const res = await lanczos(eye, { k: 5, seed: 1 });
  t.true(res.converged);
  t.true(res.eigenvalues.every((x) => Math.abs(x - 1) < 1e-14));
  const { matrix } = randomSymmetric([4, 3, 2, 1], new Rng(2));
  const full = await lanczos(denseOperator(matrix, 4), { k: 4, seed: 3 });
  t.is(full.matvecs, 4);
  full.eigenvalues.forEach((x, i) => t.true(Math.abs(x - (4 - i)) < 1e-12));
});

test('errors name the offending values', async (t) => {
  const op = denseOperator(new Float64Array(400), 20);
  await t.throwsAsync(lanczos(op, { k: 25, seed: 1 }), { message: 'lanczos: k=25 exceeds operator size 20' });
  await t.throwsAsync(lanczos(op, { k: 0, seed: 1 }), { message: /k must be a positive integer, got 0/ });
  await t.throwsAsync(lanczos(op, { k: 5, seed: 1, maxIter: 3 }), { message: /maxIter=3 is below k=5/ });
  await t.throwsAsync(lanczos(op, { k: 5, seed: 1, tolPairs: 6 }), { message: /tolPairs=6/ });
  await t.throwsAsync(lanczos(op, { k: 5 }), { message: /pass `rng` or `seed`/ });
  await t.throwsAsync(lanczos(op, { k: 2, seed: 1, start: [new Float64Array(3)] }), { message: /start vector 0 has length 3, expected 20/ });
  const bad = lambdaOperator(() => new Float64Array(19), 20);
  await t.throwsAsync(lanczos(bad, { k: 2, seed: 1 }), { message: /matvec returned length 19, expected 20/ });
});

test('dependent warm-start vectors are dropped', async (t) => {
  const n = 40;
  const { matrix, eigenvectors } = randomSymmetric(
    Array.from({ length: n }, (_, i) => n - i),
    new Rng(10),
  );
  const twice = scaleInPlace(2, Float64Array.from(eigenvectors[0]!));
  const res = await lanczos(denseOperator(matrix, n), { k: 3, tol: 1e-10, seed: 1, start: [eigenvectors[0]!, twice, eigenvectors[1]!] });
  t.is(res.startVectors, 2);
  t.true(res.converged);
  t.true(Math.abs(res.eigenvalues[0]! - n) < 1e-8);
});

/**
 * The warm-start target (CNN Hessian, D = 11,330: top-20 with relative residual ≤ 1e-3 on the top 5 in ≤ 60 matvecs
 * cold and ≤ 20 warm), on a synthetic operator Q·diag(λ)·Qᵀ: a tight cluster of 10 outliers (spacing 0.5%) over a
 * continuous bulk, then perturbed (eigenvalues jittered by ε relative, plus a random symmetric rank-10 term of norm ε).
 */
test('warm start from a perturbed operator’s eigenvectors: ≤ 20 matvecs, far below cold', async (t) => {
  const n = 2000;
  const rng = new Rng(1);
  const basis = new HouseholderBasis(n, 6, rng);
  const lambda = Float64Array.from({ length: n }, (_, i) => (i < 10 ? 1 - 0.005 * i : 0.6 * Math.pow(1 - (i - 10) / (n - 10), 2)));
  const op = spectralOperator(basis, lambda);
  const options = { k: 20, tol: 1e-3, tolPairs: 5 } as const;
  const cold = await lanczos(op, { ...options, seed: 2 });
  t.true(cold.converged);
  t.true(cold.matvecs <= 60);
  // A converged previous solve (all 20 pairs) provides the warm-start subspace.
  const previous = await lanczos(op, { k: 20, tol: 1e-6, seed: 3, maxIter: 1000 });
  const lines = [`cold: ${cold.matvecs} matvecs (top-5 rel. residual ${Math.max(...cold.relativeResiduals.slice(0, 5)).toExponential(1)})`];
  for (const eps of [1e-3, 3e-3, 1e-2]) {
    const vectors = Array.from({ length: 10 }, () => {
      const g = rng.fillNormal(new Float64Array(n));
      return scaleInPlace(1 / norm(g), g);
    });
    const weights = Array.from({ length: 10 }, () => (rng.uniform() < 0.5 ? -eps : eps));
    const perturbed = spectralOperator(
      basis,
      lambda.map((l) => l * (1 + eps * rng.normal())),
      { vectors, weights },
    );
    const coldP = await lanczos(perturbed, { ...options, seed: 4 });
    const warm = await lanczos(perturbed, { ...options, seed: 5, start: previous.eigenvectors });
    t.true(warm.converged);
    t.true(warm.matvecs <= 20, `eps=${eps}: warm used ${warm.matvecs} matvecs`);
    t.true(warm.matvecs < coldP.matvecs);
    // The warm answer is good on all 20 pairs, not only the checked 5.
    t.true(Math.max(...warm.relativeResiduals) < 0.01);
    lines.push(
      `eps=${eps}: cold ${coldP.matvecs} matvecs (max rel. residual of 20: ${Math.max(...coldP.relativeResiduals).toExponential(1)}), ` +
        `warm ${warm.matvecs} (top-5 ${Math.max(...warm.relativeResiduals.slice(0, 5)).toExponential(1)}, all 20 ${Math.max(...warm.relativeResiduals).toExponential(1)})`,
    );
  }
  t.log(lines.join('\n'));
});

test('tolRest holds every pair to a tolerance: all k pairs meet it, checked against the dense eigensolver', async (t) => {
  const n = 300;
  const rng = new Rng(11);
  // A few separated outliers over a slowly decaying bulk: pairs 6..20 converge much later than the top 5.
  const spectrum = Array.from({ length: n }, (_, i) => (i < 5 ? 10 - i : 4 * Math.exp(-i / 30)) * (1 + 0.01 * rng.uniform()));
  const { matrix } = randomSymmetric(spectrum, rng);
  const ref = denseReference(matrix, n);
  const op = denseOperator(matrix, n);
  const loose = await lanczos(op, { k: 20, tol: 1e-3, tolPairs: 5, seed: 3 });
  const held = await lanczos(op, { k: 20, tol: 1e-3, tolPairs: 5, tolRest: 1e-2, seed: 3 });
  t.is(loose.tolRest, null);
  t.is(held.tolRest, 1e-2);
  t.true(held.converged);
  t.true(Math.max(...loose.relativeResiduals.slice(5)) > 1e-2, 'without tolRest the trailing pairs are left unconverged here');
  for (let i = 0; i < 20; i++) {
    // The reported residual is the true one, and it meets the pair's tolerance.
    const r = denseMatvec(matrix, held.eigenvectors[i]!, n);
    axpy(-held.eigenvalues[i]!, held.eigenvectors[i]!, r);
    const rel = norm(r) / Math.abs(held.eigenvalues[i]!);
    t.true(rel <= (i < 5 ? 1e-3 : 1e-2) * (1 + 1e-9), `pair ${i}: relative residual ${rel}`);
    t.true(held.convergedPairs[i]!);
    // Some eigenvalue of A lies within ‖r‖ of θ (symmetric Bauer–Fike), and θ_i ≤ λ_i (Cauchy interlacing).
    const nearest = Math.min(...ref.values.map((l) => Math.abs(l - held.eigenvalues[i]!)));
    t.true(nearest <= norm(r) * (1 + 1e-9) + 1e-12, `eigenvalue ${i}: nearest eigenvalue ${nearest}, residual ${norm(r)}`);
    t.true(held.eigenvalues[i]! <= ref.values[i]! * (1 + 1e-12), `eigenvalue ${i} interlaces`);
  }
  t.true(held.matvecs > loose.matvecs);
  t.log(
    `k=20: ${loose.matvecs} matvecs with only the top 5 checked (max trailing residual ${Math.max(...loose.relativeResiduals.slice(5)).toExponential(1)}), ${held.matvecs} with all 20 held`,
  );
});
