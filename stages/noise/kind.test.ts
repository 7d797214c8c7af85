import test from 'ava';
import { Rng } from '../numerics/random.ts';
import { leadingPairs, requireK, requireStat, samplerFromShape } from './kind.ts';

test('samplerFromShape carries kind, trace and zero flag, and validates the shape', (t) => {
  const s = samplerFromShape('gld_diag', { type: 'diagonal', size: 2, variances: Float64Array.of(1, 3) });
  t.is(s.kind, 'gld_diag');
  t.is(s.trace, 4);
  t.false(s.isZero);
  t.is(s.sample(new Rng(1), new Float32Array(2)).length, 2);
  t.true(samplerFromShape('gd', { type: 'zero', size: 2 }).isZero);
  t.throws(() => samplerFromShape('gld_const', { type: 'isotropic', size: 2, variance: NaN }), { message: /^gld_const: isotropic variance/ });
});

test('helpers name the kind and the missing value', (t) => {
  t.throws(() => requireStat('gld_hessian', { size: 2 }, 'hessianTopK'), { message: /noise kind gld_hessian: stats.hessianTopK is missing/ });
  t.is(requireStat('gld_dynamic', { size: 2, covarianceTrace: 0 }, 'covarianceTrace'), 0);
  t.throws(() => requireK('gld_leading', { k: 1.5 }), { message: /config.k must be a positive integer, got 1.5/ });
  const pairs = { eigenvalues: Float64Array.of(2, 1), eigenvectors: [Float64Array.of(1, 0), Float64Array.of(0, 1)] };
  t.is(leadingPairs('gld_hessian', pairs, 1, 'H').eigenvectors.length, 1);
  t.throws(() => leadingPairs('gld_hessian', pairs, 3, 'H'), { message: /needs 3 eigenpairs of H, got 2/ });
});
