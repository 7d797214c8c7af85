import test from 'ava';
import { z } from 'zod';
import { ConfigError, applyOverrides, getPath, parseOverride, validateConfig } from './config.ts';
import { defineProject, resolveConfig } from './project.ts';
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

test('a __proto__ or constructor path or key never reaches Object.prototype: each is refused naming the path', (t) => {
  t.teardown(() => delete (Object.prototype as Record<string, unknown>).polluted);
  const reserved = (path: string, key: string) =>
    `${path}: '${key}' is a reserved key name (__proto__, constructor, prototype name built-in object properties, never settings)`;
  const cases: [string, string[]][] = [
    ['__proto__.polluted=1', [reserved('__proto__', '__proto__')]],
    ['left.__proto__.polluted=1', [reserved('left.__proto__', '__proto__')]],
    ['left.__proto__={"scale":5}', [reserved('left.__proto__', '__proto__')]],
    ['left={"__proto__":{"polluted":1},"scale":3}', [reserved('left.__proto__', '__proto__')]],
    ['fan.per={"a":1,"constructor":2}', [reserved('fan.per.constructor', 'constructor')]],
    ['constructor.prototype.polluted=1', [reserved('constructor', 'constructor'), reserved('constructor.prototype', 'prototype')]],
    ['left.prototype=1', [reserved('left.prototype', 'prototype')]],
  ];
  for (const [override, issues] of cases) {
    const err = t.throws(() => resolveConfig(toy, 'quick', [override]), { instanceOf: ConfigError }, override);
    t.deepEqual(err?.issues, issues, override);
    t.false(Object.hasOwn(Object.prototype, 'polluted'), `${override} polluted Object.prototype`);
  }
  // applyOverrides itself, given overrides that skipped parseOverride, refuses them too.
  t.throws(() => applyOverrides({}, [{ path: '__proto__.polluted', value: 1 }]), { instanceOf: ConfigError });
  t.is(({} as Record<string, unknown>).polluted, undefined);
});

test('--profile names only the project own profiles: constructor, toString and __proto__ are unknown profiles', (t) => {
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const err = t.throws(() => resolveConfig(toy, name, []), { instanceOf: ConfigError }, name);
    t.deepEqual(err?.issues, [`profile '${name}' does not exist (profiles: quick, other)`]);
  }
});

test('an integer beyond 2^53 is refused as written, in an override, a sweep value and a profile: no two seeds share a key', (t) => {
  const beyond = (path: string, shown: string) =>
    `${path}: ${shown} lies beyond ±9007199254740991 (2^53 − 1), where numbers lose digits and distinct values become equal; give a smaller number`;
  const issues = (f: () => unknown) => (t.throws(f, { instanceOf: ConfigError }) as ConfigError).issues;
  t.deepEqual(
    issues(() => parseOverride('seed=9007199254740993')),
    [beyond('seed', '9007199254740993 (read as 9007199254740992)')],
  );
  t.deepEqual(
    issues(() => resolveConfig(toy, 'quick', ['seed=9007199254740992'])),
    [beyond('seed', '9007199254740992')],
  );
  t.deepEqual(
    issues(() => resolveConfig(toy, 'quick', ['fan.per={"a":1,"b":-18014398509481985}'])),
    [beyond('fan.per.b', '-18014398509481985 (read as -18014398509481984)')],
  );
  t.deepEqual(
    issues(() => resolveConfig(toy, 'quick', [], ['seed=1,9007199254740993'])),
    [beyond('seed', '9007199254740993 (read as 9007199254740992)')],
  );
  const profile = defineProject({ ...toy, profiles: { ...toy.profiles, big: { ...toy.profiles.quick, seed: 2 ** 53 } } });
  t.deepEqual(
    issues(() => resolveConfig(profile, 'big', [])),
    [beyond('seed', '9007199254740992')],
  );
  t.is(resolveConfig(toy, 'quick', ['seed=9007199254740991']).config.seed, Number.MAX_SAFE_INTEGER);
});

test('a value or path nested too deep is one ConfigError naming where, before anything recursive sees it', (t) => {
  const deepValue = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  const err = t.throws(() => resolveConfig(toy, 'quick', [`left.scale=${deepValue}`]), { instanceOf: ConfigError });
  t.is(err?.issues.length, 1);
  t.regex(err!.issues[0]!, /^left\.scale(\.0){30}: nested deeper than 32 levels/);
  const deepPath = Array.from({ length: 2000 }, () => 'a').join('.');
  t.regex(
    (t.throws(() => resolveConfig(toy, 'quick', [`${deepPath}=1`]), { instanceOf: ConfigError }) as ConfigError).issues[0]!,
    /^a(\.a){32}…: nested deeper than 32 levels/,
  );
  // A profile nested too deep is refused before structuredClone copies it.
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 20_000; i++) deep = { d: deep };
  const project = defineProject({ ...toy, profiles: { ...toy.profiles, deep: { ...toy.profiles.quick, left: deep as never } } });
  t.regex(
    (t.throws(() => resolveConfig(project, 'deep', []), { instanceOf: ConfigError }) as ConfigError).issues[0]!,
    /^left(\.d){31}: nested deeper than 32 levels/,
  );
});

test('overrides are all checked before any is applied: every bad one is reported', (t) => {
  const err = t.throws(() => resolveConfig(toy, 'quick', ['left.scale=1e999', 'seed=9007199254740993', 'left.__proto__=1']), { instanceOf: ConfigError });
  t.is(err?.issues.length, 3);
  t.is(err?.message.split('\n').length, 4);
  t.is(
    t.throws(() => resolveConfig(toy, 'quick', ['left.scale=1e999']))?.message,
    'invalid configuration: left.scale: expected a finite number, received Infinity',
  );
});
