import test from 'ava';
import { MAX_CONFIG_DEPTH, numberSource, pathIssues, shapeIssues } from './config-shape.ts';

const lines = (value: unknown, at?: string, depth?: number) => shapeIssues(value, at, depth).map((i) => i.line);

/** `[[[…]]]` nested `n` levels, built without recursion. */
function nested(n: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < n; i++) v = [v];
  return v;
}

test('depth is checked iteratively: 100,000 levels are one issue, not a stack overflow', (t) => {
  t.deepEqual(lines(nested(MAX_CONFIG_DEPTH)), []);
  const deep = lines(nested(100_000));
  t.is(deep.length, 1);
  t.regex(deep[0]!, new RegExp(`^${Array.from({ length: MAX_CONFIG_DEPTH }, () => '0').join('\\.')}: nested deeper than ${MAX_CONFIG_DEPTH} levels`));
  // An override's path segments count towards its value's depth.
  t.deepEqual(lines(nested(MAX_CONFIG_DEPTH - 2), 'a.b', 2), []);
  t.is(lines(nested(MAX_CONFIG_DEPTH - 1), 'a.b', 2).length, 1);
  t.regex(pathIssues(Array.from({ length: 2000 }, () => 'a').join('.'))[0]!, /^a(\.a){32}…: nested deeper than 32 levels/);
});

test('reserved keys are refused by name wherever they are own keys; a prototype set by a literal is refused as non-plain', (t) => {
  t.deepEqual(lines(JSON.parse('{"a":{"__proto__":{"x":1}},"b":[{"constructor":1}],"prototype":2}')), [
    "a.__proto__: '__proto__' is a reserved key name (__proto__, constructor, prototype name built-in object properties, never settings)",
    "b.0.constructor: 'constructor' is a reserved key name (__proto__, constructor, prototype name built-in object properties, never settings)",
    "prototype: 'prototype' is a reserved key name (__proto__, constructor, prototype name built-in object properties, never settings)",
  ]);
  t.deepEqual(lines({ a: { __proto__: { x: 1 } } }), ['a: expected a plain object, an array or a value, received an object with a prototype of its own']);
  t.deepEqual(lines({ when: new Date(0) }), ['when: expected a plain object, an array or a value, received a Date object']);
  t.deepEqual(pathIssues('fashion.constructor.x'), [
    "fashion.constructor: 'constructor' is a reserved key name (__proto__, constructor, prototype name built-in object properties, never settings)",
  ]);
  t.true(shapeIssues(JSON.parse('{"__proto__":1}')).every((i) => i.structural));
});

test('numbers must be finite and exact; an unsafe one is shown as written', (t) => {
  t.deepEqual(lines({ a: [1, Number.NaN], b: -Infinity, c: Number.MAX_SAFE_INTEGER, d: 1e-300 }), [
    'a.1: expected a finite number, received NaN',
    'b: expected a finite number, received -Infinity',
  ]);
  const text = '[1, "9007199254740993", 9007199254740993]';
  const issues = shapeIssues(JSON.parse(text), 'seeds', 1, numberSource(text));
  t.deepEqual(
    issues.map((i) => i.line),
    [
      'seeds.2: 9007199254740993 (read as 9007199254740992) lies beyond ±9007199254740991 (2^53 − 1), where numbers lose digits and distinct values become equal; give a smaller number',
    ],
  );
  t.false(issues[0]!.structural);
  t.regex(lines(-(2 ** 60), 'seed')[0]!, /^seed: -1152921504606847000 lies beyond/);
});
