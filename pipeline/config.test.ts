import test from 'ava';
import { z } from 'zod';
import { ConfigError, applyOverrides, getPath, parseOverride, validateConfig } from './config.ts';
import { resolveConfig } from './project.ts';
import toy from '../test/fixtures/toy-project.ts';

test('overrides parse JSON values and fall back to strings', (t) => {
  t.deepEqual(parseOverride('a.b=0.05'), { path: 'a.b', value: 0.05 });
  t.deepEqual(parseOverride('a.kinds=["gd","sgd"]'), { path: 'a.kinds', value: ['gd', 'sgd'] });
  t.deepEqual(parseOverride('flag=true'), { path: 'flag', value: true });
  t.deepEqual(parseOverride('name=wasm'), { path: 'name', value: 'wasm' });
  t.throws(() => parseOverride('novalue'), { instanceOf: ConfigError, message: /must look like key\.path=value/ });
});

test('applyOverrides sets deep values on a copy', (t) => {
  const base = { a: { b: 1, c: { d: 2 } } };
  const out = applyOverrides(base, [parseOverride('a.c.d=5')]);
  t.is(getPath(out, 'a.c.d'), 5);
  t.is(base.a.c.d, 2);
  t.throws(() => applyOverrides(base, [parseOverride('a.b.x=1')]), { message: /a\.b: is a number, cannot set a\.b\.x below it/ });
});

test('a wrong type is rejected naming the exact path and the expected type', (t) => {
  const err = t.throws(() => resolveConfig(toy, 'quick', ['left.scale=abc']), { instanceOf: ConfigError });
  t.deepEqual(err?.issues, ['left.scale: expected number, received string']);
});

test('an unknown key is rejected naming its path and the known keys', (t) => {
  const err = t.throws(() => resolveConfig(toy, 'quick', ['slow.mss=3']), { instanceOf: ConfigError });
  t.deepEqual(err?.issues, ['slow.mss: unknown key (known here: ms, steps, fail)']);
});

test('an unknown profile is rejected listing the profiles', (t) => {
  t.throws(() => resolveConfig(toy, 'nope', []), { message: /profile 'nope' does not exist \(profiles: quick, other\)/ });
});

test('several problems are all reported', (t) => {
  const schema = z.object({ a: z.number(), b: z.object({ c: z.enum(['x', 'y']) }).strict() }).strict();
  const err = t.throws(() => validateConfig(schema, { a: 'no', b: { c: 'z' } }), { instanceOf: ConfigError });
  t.deepEqual(err?.issues, ['a: expected number, received string', 'b.c: expected one of "x", "y", received "z"']);
});

test('every number must be finite, whatever its schema: 1e999 is rejected naming the path', (t) => {
  const err = t.throws(() => resolveConfig(toy, 'quick', ['left.scale=1e999', 'fan.per.b=-1e999', 'slow.ms=1e999']), { instanceOf: ConfigError });
  t.deepEqual(err?.issues, [
    'left.scale: expected a finite number, received Infinity',
    'fan.per.b: expected a finite number, received -Infinity',
    'slow.ms: expected a finite number, received Infinity',
  ]);
  const schema = z.object({ xs: z.array(z.number()) }).strict();
  const nan = t.throws(() => validateConfig(schema, { xs: [1, Number.NaN] }), { instanceOf: ConfigError });
  t.deepEqual(nan?.issues, ['xs.1: expected a finite number, received NaN']);
});
