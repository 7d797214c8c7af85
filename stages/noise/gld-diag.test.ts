import test from 'ava';
import { gldDiag } from './gld-diag.ts';
import { assertEmpiricalCovariance, assertShapeEquals, D, noiseFixture, trace } from './testing.ts';

test('gld_diag is diag(Σ) with trace TrΣ; it needs only the diagonal', async (t) => {
  const f = await noiseFixture(3);
  const needs = gldDiag.needs({});
  t.true(needs.covarianceDiagonal);
  t.false(needs.covarianceTrace);
  const s = gldDiag.build({ size: D, covarianceDiagonal: f.cov.diagonal() }, {});
  const target = new Float64Array(D * D);
  for (let i = 0; i < D; i++) target[i * D + i] = f.sigmaDense[i * D + i]!;
  assertShapeEquals(t, s, target);
  t.true(Math.abs(s.trace - trace(f.sigmaDense)) < 1e-12 * s.trace);
  assertEmpiricalCovariance(t, s, target);
  t.throws(() => gldDiag.build({ size: D, covarianceDiagonal: new Float64Array(3) }, {}), { message: /diagonal of length 3, expected 6/ });
});
