import test from 'ava';
import { gldConst } from './gld-const.ts';
import { assertEmpiricalCovariance, assertShapeEquals, D } from './testing.ts';

test('gld_const is σ²I with σ from config; a missing σ is named', (t) => {
  const s = gldConst.build({ size: D }, { sigma: 0.3 });
  const target = new Float64Array(D * D);
  for (let i = 0; i < D; i++) target[i * D + i] = 0.09;
  assertShapeEquals(t, s, target);
  t.true(Math.abs(s.trace - 0.09 * D) < 1e-15);
  assertEmpiricalCovariance(t, s, target);
  t.false(gldConst.needs({ sigma: 0.3 }).covarianceTrace);
  t.throws(() => gldConst.needs({}), { message: 'noise kind gld_const: config.sigma must be finite and ≥ 0, got undefined' });
  t.throws(() => gldConst.build({ size: D }, { sigma: -1 }), { message: /got -1/ });
});
