import test from 'ava';
import { gldLeading } from './gld-leading.ts';
import { assertEmpiricalCovariance, assertShapeEquals, noiseFixture, outerSum, trace } from './testing.ts';

test('gld_leading is Σ_{j≤k} λ_j v_j v_jᵀ of Σ, not rescaled by default', async (t) => {
  const f = await noiseFixture(4);
  const k = 2;
  t.is(gldLeading.needs({ k }).covarianceTopK, 2);
  t.false(gldLeading.needs({ k }).covarianceTrace);
  const s = gldLeading.build(f.stats, { k });
  const lam = Array.from(f.sigmaEig.eigenvalues.slice(0, k));
  const target = outerSum(f.sigmaEig.eigenvectors.slice(0, k), lam);
  assertShapeEquals(t, s, target);
  t.true(Math.abs(s.trace - (lam[0]! + lam[1]!)) < 1e-10 * s.trace);
  t.true(s.trace < trace(f.sigmaDense));
  assertEmpiricalCovariance(t, s, target);
});

test('gld_leading with rescaleToTrace has trace TrΣ', async (t) => {
  const f = await noiseFixture(5);
  const k = 3;
  t.true(gldLeading.needs({ k, rescaleToTrace: true }).covarianceTrace);
  const s = gldLeading.build(f.stats, { k, rescaleToTrace: true });
  const lam = Array.from(f.sigmaEig.eigenvalues.slice(0, k));
  const trS = trace(f.sigmaDense);
  const scale = trS / lam.reduce((a, b) => a + b, 0);
  const target = outerSum(
    f.sigmaEig.eigenvectors.slice(0, k),
    lam.map((l) => l * scale),
  );
  assertShapeEquals(t, s, target);
  t.true(Math.abs(s.trace - trS) < 1e-10 * trS);
  assertEmpiricalCovariance(t, s, target);
  t.throws(() => gldLeading.needs({}), { message: /gld_leading: config.k must be a positive integer, got undefined/ });
  t.throws(
    () =>
      gldLeading.build(
        { ...f.stats, covarianceTopK: { eigenvalues: f.sigmaEig.eigenvalues.slice(0, 1), eigenvectors: f.sigmaEig.eigenvectors.slice(0, 1) } },
        { k: 2 },
      ),
    {
      message: /needs 2 eigenpairs of Σ, got 1/,
    },
  );
});
