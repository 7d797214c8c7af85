import test from 'ava';
import { canonicalJson } from './canonical-json.ts';
import { hashJson, sha256Hex } from './hash.ts';

test('keys are sorted recursively and whitespace is dropped', (t) => {
  t.is(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
});

test('key order does not change the hash', (t) => {
  t.is(hashJson({ x: 1, y: [1, 2] }), hashJson({ y: [1, 2], x: 1 }));
  t.not(hashJson({ x: 1 }), hashJson({ x: 2 }));
});

test('undefined members are dropped, -0 is 0', (t) => {
  t.is(canonicalJson({ a: undefined, b: -0 }), '{"b":0}');
});

test('values JSON cannot represent are rejected with their path', (t) => {
  t.throws(() => canonicalJson({ a: [1, Number.NaN] }), { message: /non-finite number NaN at \$\.a\[1\]/ });
  t.throws(() => canonicalJson({ a: new Float32Array(2) }), { message: /typed array at \$\.a/ });
  t.throws(() => canonicalJson({ d: new Date(0) }), { message: /non-plain object \(Date\) at \$\.d/ });
});

test('sha256 of a known string', (t) => {
  t.is(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
