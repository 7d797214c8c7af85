import test from 'ava';
import { denseFromEigen, denseMatvec, HouseholderBasis, randomOrthonormalColumns, spectralOperator } from './testing.ts';
import { Rng } from './random.ts';
import { dot } from './vector.ts';

test('random orthonormal columns are orthonormal and reproduce their spectrum', (t) => {
  const n = 12;
  const q = randomOrthonormalColumns(n, n, new Rng(3));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t.true(Math.abs(dot(q[i]!, q[j]!) - (i === j ? 1 : 0)) < 1e-12);
  const lambda = Array.from({ length: n }, (_, i) => i + 1);
  const a = denseFromEigen(q, lambda, n);
  const aq = denseMatvec(a, q[4]!, n);
  for (let i = 0; i < n; i++) t.true(Math.abs(aq[i]! - 5 * q[4]![i]!) < 1e-12);
});

test('Householder basis is orthogonal and the spectral operator has the given eigenpairs', (t) => {
  const n = 50;
  const basis = new HouseholderBasis(n, 4, new Rng(9));
  const c0 = basis.column(0);
  const c7 = basis.column(7);
  t.true(Math.abs(dot(c0, c0) - 1) < 1e-12);
  t.true(Math.abs(dot(c0, c7)) < 1e-12);
  const back = basis.applyTranspose(c7);
  t.true(Math.abs(back[7]! - 1) < 1e-12);
  const lambda = Float64Array.from({ length: n }, (_, i) => 1 / (i + 1));
  const op = spectralOperator(basis, lambda);
  const y = op.matvec(c7) as Float64Array;
  for (let i = 0; i < n; i++) t.true(Math.abs(y[i]! - c7[i]! / 8) < 1e-12);
});
