import test from 'ava';
import { denseOperator } from './operator.ts';
import { powerIteration } from './power.ts';
import { symmetricEigen } from './eigen.ts';
import { Rng } from './random.ts';

test('power iteration finds the dominant eigenpair of a dense symmetric matrix with a clear gap', async (t) => {
  const n = 12;
  const rng = new Rng(3);
  // A = Q diag(10, 3, 2.9, …) Qᵀ from a random symmetric matrix's eigenvectors.
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) b[i * n + j] = b[j * n + i] = rng.normal();
  const q = symmetricEigen(b, n).vectors;
  const lambda = Array.from({ length: n }, (_, i) => (i === 0 ? 10 : 3 - 0.1 * i));
  const a = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] += lambda[k]! * q[k]![i]! * q[k]![j]!;
  const start = Float64Array.from({ length: n }, () => rng.uniform());
  const r = await powerIteration(denseOperator(a, n), 30, start);
  t.is(r.matvecs, 30);
  t.true(Math.abs(r.value - 10) < 1e-9);
  let c = 0;
  for (let i = 0; i < n; i++) c += r.vector[i]! * q[0]![i]!;
  t.true(Math.abs(Math.abs(c) - 1) < 1e-9);
  t.true(r.relativeResidual < 1e-6);
  await t.throwsAsync(powerIteration(denseOperator(a, n), 0, start), { message: /iterations must be a positive integer, got 0/ });
});
