import test from 'ava';
import { sgd } from './sgd.ts';
import { assertEmpiricalCovariance, D } from './testing.ts';

test('sgd asks for a minibatch gradient, needs no statistics, and adds no noise', (t) => {
  const needs = sgd.needs({});
  t.true(needs.minibatchGradient);
  t.false(needs.covarianceTrace || needs.covarianceDiagonal);
  t.is(needs.covarianceTopK + needs.hessianTopK, 0);
  const s = sgd.build({ size: D }, {});
  t.true(s.isZero);
  t.is(s.kind, 'sgd');
  assertEmpiricalCovariance(t, s, new Float64Array(D * D), 100);
});
