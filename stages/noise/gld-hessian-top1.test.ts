import test from 'ava';
import { gldHessianTop1 } from './gld-hessian-top1.ts';
import { assertEmpiricalCovariance, assertShapeEquals, noiseFixture, outerSum, trace } from './testing.ts';

test('gld_hessian_top1 is TrΣ·u₁u₁ᵀ with trace TrΣ', async (t) => {
  const f = await noiseFixture(8);
  const needs = gldHessianTop1.needs({});
  t.is(needs.hessianTopK, 1);
  t.true(needs.covarianceTrace);
  const s = gldHessianTop1.build(f.stats, {});
  const trS = trace(f.sigmaDense);
  const target = outerSum([f.hessianEig.eigenvectors[0]!], [trS]);
  assertShapeEquals(t, s, target);
  t.true(Math.abs(s.trace - trS) < 1e-10 * trS);
  assertEmpiricalCovariance(t, s, target);
});
