import test from 'ava';
import { brentRoot } from './brent.ts';

test('roots of closed forms to the tolerance: √2, the root of cos x − x (Dottie number), ln 3, a cubic with a flat root region', (t) => {
  let calls = 0;
  const r2 = brentRoot(
    (x) => {
      calls++;
      return x * x - 2;
    },
    0,
    2,
  );
  t.true(Math.abs(r2 - Math.SQRT2) < 1e-12);
  t.true(calls < 15, `superlinear: ${calls} evaluations`);
  t.true(Math.abs(brentRoot((x) => Math.cos(x) - x, 0, 1) - 0.7390851332151607) < 1e-12);
  t.true(Math.abs(brentRoot((x) => Math.exp(x) - 3, -5, 5, { tol: 1e-14 }) - Math.log(3)) < 1e-13);
  t.true(Math.abs(brentRoot((x) => (x - 0.3) ** 3, -1, 2, { tol: 1e-10 }) - 0.3) < 1e-9);
  // a decreasing f and a step function (pure bisection)
  t.true(Math.abs(brentRoot((x) => 1 - x, 0, 5) - 1) < 1e-12);
  t.true(Math.abs(brentRoot((x) => (x < 0.25 ? -1 : 1), 0, 1, { tol: 1e-10 }) - 0.25) < 1e-9);
});

test('a bracket without a sign change, or with a non-finite end, is an error naming what was solved', (t) => {
  t.throws(() => brentRoot((x) => x * x + 1, -1, 1, { what: 'the point s = 0.8' }), { message: /the point s = 0.8: no sign change on the bracket \[-1, 1\]/ });
  t.throws(() => brentRoot(() => Number.NaN, 0, 1), { message: /no sign change/ });
});
