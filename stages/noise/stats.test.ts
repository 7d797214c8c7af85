import test from 'ava';
import { NO_NEEDS } from './kind.ts';
import { NOISE_KINDS } from './registry.ts';
import { computeNoiseStats, mergeNeeds, needsCovariance } from './stats.ts';
import { D, noiseFixture, testNoise } from './testing.ts';

const config = { sigma: 0.1, k: 2 };

test('every registered kind builds from exactly the statistics it declares, and nothing more is computed', async (t) => {
  const f = await noiseFixture(9);
  for (const kind of Object.values(NOISE_KINDS)) {
    const calls = { covariance: 0, hessian: [] as number[] };
    const needs = kind.needs(testNoise(kind.name, config));
    const stats = await computeNoiseStats(needs, {
      size: D,
      covariance: () => (calls.covariance++, f.cov),
      hessianTopK: async (k) => (
        calls.hessian.push(k), { eigenvalues: f.hessianEig.eigenvalues.slice(0, k), eigenvectors: f.hessianEig.eigenvectors.slice(0, k) }
      ),
    });
    t.is(calls.covariance, needsCovariance(needs) ? 1 : 0, kind.name);
    t.deepEqual(calls.hessian, needs.hessianTopK > 0 ? [needs.hessianTopK] : [], kind.name);
    t.is(stats.covarianceTrace !== undefined, needs.covarianceTrace, kind.name);
    t.is(stats.covarianceDiagonal !== undefined, needs.covarianceDiagonal, kind.name);
    t.is(stats.covarianceTopK?.eigenvalues.length ?? 0, needs.covarianceTopK, kind.name);
    t.is(stats.covarianceFactor !== undefined, needs.covarianceFactor, kind.name);
    const sampler = kind.build(stats, testNoise(kind.name, config));
    t.is(sampler.kind, kind.name);
    t.is(sampler.shape.size, D);
  }
});

test('mergeNeeds takes the union; missing sources are named', async (t) => {
  const merged = mergeNeeds(NOISE_KINDS.gld_diag.needs({}), NOISE_KINDS.gld_hessian.needs({ k: 3 }), NOISE_KINDS.gld_hessian_top1.needs({}));
  t.deepEqual(
    { ...merged },
    {
      minibatchGradient: false,
      covarianceTrace: true,
      covarianceDiagonal: true,
      covarianceTopK: 0,
      covarianceFactor: false,
      hessianTopK: 3,
      exampleWeights: false,
    },
  );
  t.true(mergeNeeds(merged, NOISE_KINDS.gld_full.needs({})).covarianceFactor);
  t.true(needsCovariance(NOISE_KINDS.gld_full.needs({})));
  t.deepEqual({ ...mergeNeeds() }, { ...NO_NEEDS });
  await t.throwsAsync(computeNoiseStats(merged, { size: D }), { message: /needs Σ but no covariance source/ });
  const f = await noiseFixture(1);
  await t.throwsAsync(computeNoiseStats(merged, { size: D, covariance: () => f.cov }), { message: /needs 3 Hessian eigenpairs but no Hessian source/ });
  await t.throwsAsync(computeNoiseStats(merged, { size: 7, covariance: () => f.cov }), { message: /covariance size 6 ≠ parameter count 7/ });
});
