import test from 'ava';
import { symmetricEigen } from './eigen.ts';
import { randomSymmetric } from './testing.ts';
import { Rng } from './random.ts';
import { dot } from './vector.ts';

test('2×2 example and descending order', (t) => {
  const e = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
  t.true(Math.abs(e.values[0]! - 3) < 1e-14 && Math.abs(e.values[1]! - 1) < 1e-14);
  t.true(Math.abs(Math.abs(e.vectors[0]![0]!) - Math.SQRT1_2) < 1e-14);
});

test('recovers a random spectrum and unit eigenvectors', (t) => {
  const spectrum = [5, -3, 2, 0.5, 10, -7, 1e-3, 4];
  const { matrix, eigenvectors } = randomSymmetric(spectrum, new Rng(11));
  const e = symmetricEigen(matrix, spectrum.length);
  const sorted = [...spectrum].sort((a, b) => b - a);
  sorted.forEach((l, i) => t.true(Math.abs(e.values[i]! - l) < 1e-12));
  const i10 = spectrum.indexOf(10);
  t.true(Math.abs(Math.abs(dot(e.vectors[0]!, eigenvectors[i10]!)) - 1) < 1e-12);
  t.throws(() => symmetricEigen(new Float64Array(3), 2), { message: /expected 2×2 = 4 entries, got 3/ });
});
