import test from 'ava';
import { gldDynamic } from './gld-dynamic.ts';
import { assertEmpiricalCovariance, assertShapeEquals, D, noiseFixture, trace } from './testing.ts';

test('gld_dynamic is (TrΣ/D)·I with trace TrΣ; it needs only the trace', async (t) => {
  const f = await noiseFixture(2);
  t.deepEqual(
    { ...gldDynamic.needs({}) },
    {
      minibatchGradient: false,
      covarianceTrace: true,
      covarianceDiagonal: false,
      covarianceFactor: false,
      covarianceTopK: 0,
      hessianTopK: 0,
      exampleWeights: false,
    },
  );
  const trS = trace(f.sigmaDense);
  const s = gldDynamic.build({ size: D, covarianceTrace: f.cov.trace }, {});
  const target = new Float64Array(D * D);
  for (let i = 0; i < D; i++) target[i * D + i] = trS / D;
  assertShapeEquals(t, s, target);
  t.true(Math.abs(s.trace - trS) < 1e-12 * trS);
  assertEmpiricalCovariance(t, s, target);
  t.throws(() => gldDynamic.build({ size: D }, {}), { message: /noise kind gld_dynamic: stats.covarianceTrace is missing/ });
});
