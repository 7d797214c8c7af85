import test from 'ava';
import { gldHessian } from './gld-hessian.ts';
import { assertEmpiricalCovariance, assertShapeEquals, D, noiseFixture, outerSum, trace } from './testing.ts';

test('gld_hessian is (TrΣ/Σλ)·Σ_{j≤k} λ_j u_j u_jᵀ of H, with trace TrΣ', async (t) => {
  const f = await noiseFixture(6);
  const k = 3;
  const needs = gldHessian.needs({ k });
  t.is(needs.hessianTopK, 3);
  t.true(needs.covarianceTrace);
  t.is(needs.covarianceTopK, 0);
  const s = gldHessian.build(f.stats, { k });
  const lam = Array.from(f.hessianEig.eigenvalues.slice(0, k));
  const trS = trace(f.sigmaDense);
  const target = outerSum(
    f.hessianEig.eigenvectors.slice(0, k),
    lam.map((l) => (l * trS) / (lam[0]! + lam[1]! + lam[2]!)),
  );
  assertShapeEquals(t, s, target);
  t.true(Math.abs(s.trace - trS) < 1e-10 * trS);
  assertEmpiricalCovariance(t, s, target);
});

test('gld_hessian clamps negative eigenvalues and refuses a Hessian top-k without positive mass', async (t) => {
  const f = await noiseFixture(7);
  const u = f.hessianEig.eigenvectors;
  const stats = { size: D, covarianceTrace: 2, hessianTopK: { eigenvalues: Float64Array.of(3, -1), eigenvectors: [u[0]!, u[1]!] } };
  const s = gldHessian.build(stats, { k: 2 });
  assertShapeEquals(t, s, outerSum([u[0]!], [2]));
  t.throws(() => gldHessian.build({ ...stats, hessianTopK: { eigenvalues: Float64Array.of(-1, -2), eigenvectors: [u[0]!, u[1]!] } }, { k: 2 }), {
    message: /no positive mass/,
  });
});
