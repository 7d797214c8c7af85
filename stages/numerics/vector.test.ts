import test from 'ava';
import { Rng } from './random.ts';
import { axpy, dot, gramMatrix, norm, orthogonalizeInPlace, scaleInPlace } from './vector.ts';

test('dot, norm, axpy and scale agree with hand values', (t) => {
  const x = Float64Array.of(1, 2, 3);
  const y = Float64Array.of(4, -5, 6);
  t.is(dot(x, y), 12);
  t.is(norm(Float64Array.of(3, 4)), 5);
  t.deepEqual(Array.from(axpy(2, x, Float64Array.from(y))), [6, -1, 12]);
  t.deepEqual(Array.from(scaleInPlace(-1, Float64Array.from(x))), [-1, -2, -3]);
  t.throws(() => dot(x, Float64Array.of(1)), { message: /lengths differ \(3 vs 1\)/ });
});

test('Gram–Schmidt twice leaves a vector orthogonal to the basis to rounding', (t) => {
  const rng = new Rng(1);
  const basis: Float64Array[] = [];
  for (let i = 0; i < 10; i++) {
    const v = rng.fillNormal(new Float64Array(40));
    const r = orthogonalizeInPlace(v, basis);
    basis.push(scaleInPlace(1 / r, v));
  }
  for (let i = 0; i < 10; i++) for (let j = 0; j < i; j++) t.true(Math.abs(dot(basis[i]!, basis[j]!)) < 1e-14);
});

test('blocked Gram matrix equals pairwise dot products (n not a multiple of 4)', (t) => {
  const rng = new Rng(2);
  const rows = Array.from({ length: 11 }, () => rng.fillNormal(new Float64Array(37)));
  const g = gramMatrix(rows);
  for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) t.true(Math.abs(g[i * 11 + j]! - dot(rows[i]!, rows[j]!)) < 1e-12);
  t.is(gramMatrix([]).length, 0);
});
