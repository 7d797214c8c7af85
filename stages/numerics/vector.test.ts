import test from 'ava';
import { Rng } from './random.ts';
import { axpy, dot, mean, gramMatrix, norm, orthogonalizeInPlace, scaleInPlace } from './vector.ts';

test('dot, norm, axpy and scale agree with hand values', (t) => {
  const x = Float64Array.of(1, 2, 3);
  const y = Float64Array.of(4, -5, 6);
  t.is(dot(x, y), 12);
  t.is(norm(Float64Array.of(3, 4)), 5);
  t.deepEqual(Array.from(axpy(2, x, Float64Array.from(y))), [6, -1, 12]);
  t.deepEqual(Array.from(scaleInPlace(-1, Float64Array.from(x))), [-1, -2, -3]);
  t.throws(() => dot(x, Float64Array.of(1)), { message: /lengths differ \(3 vs 1\)/ });
});

test('mean sums left to right, as every caller summed before: the same bits', (t) => {
  t.is(mean([1, 2, 6]), 3);
  t.is(mean(Float64Array.of(0.5)), 0.5);
  t.true(Number.isNaN(mean([])));
  t.is(mean([1, 1e16, -1e16]), 0); // 1 is absorbed by 1e16 first (right to left, or pairwise, would give 1/3)
  const rng = new Rng(7);
  const xs = Array.from({ length: 101 }, () => rng.normal() * 10 ** rng.int(12));
  t.is(mean(xs), xs.reduce((a, b) => a + b, 0) / xs.length);
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
