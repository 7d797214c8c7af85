import test from 'ava';
import { gd } from './gd.ts';
import { NO_NEEDS } from './kind.ts';
import { assertEmpiricalCovariance, D, noiseFixture } from './testing.ts';

test('gd needs nothing and draws exact zeros', async (t) => {
  const f = await noiseFixture();
  t.deepEqual(gd.needs({}), NO_NEEDS);
  const s = gd.build({ size: D }, {});
  t.true(s.isZero);
  t.is(s.trace, 0);
  assertEmpiricalCovariance(t, s, new Float64Array(D * D), 100);
  t.is(f.stats.size, D);
});
