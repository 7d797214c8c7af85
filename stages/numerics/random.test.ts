import test from 'ava';
import { Rng } from './random.ts';

test('same seed gives the same stream; different seeds differ', (t) => {
  const a = new Rng(7);
  const b = new Rng(7);
  const c = new Rng(8);
  const sa = Array.from({ length: 20 }, () => a.nextUint32());
  const sb = Array.from({ length: 20 }, () => b.nextUint32());
  const sc = Array.from({ length: 20 }, () => c.nextUint32());
  t.deepEqual(sa, sb);
  t.notDeepEqual(sa, sc);
});

test('uniform and normal moments match their distributions within sampling error', (t) => {
  const rng = new Rng(123);
  const n = 200_000;
  let su = 0;
  let sz = 0;
  let sz2 = 0;
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    t.true(u >= 0 && u < 1);
    su += u;
    const z = rng.normal();
    sz += z;
    sz2 += z * z;
  }
  // mean(U) = 1/2 with sd 0.2887/√n; mean(Z) = 0, E[Z²] = 1 with sd √2/√n. Allow 5 sd.
  t.true(Math.abs(su / n - 0.5) < (5 * 0.2887) / Math.sqrt(n));
  t.true(Math.abs(sz / n) < 5 / Math.sqrt(n));
  t.true(Math.abs(sz2 / n - 1) < (5 * Math.SQRT2) / Math.sqrt(n));
});

test('truncated normal stays within its bound and permutation is a permutation', (t) => {
  const rng = new Rng(5);
  for (let i = 0; i < 10_000; i++) t.true(Math.abs(rng.truncatedNormal(0.02)) <= 0.04);
  const p = Array.from(rng.permutation(100)).sort((x, y) => x - y);
  t.deepEqual(
    p,
    Array.from({ length: 100 }, (_, i) => i),
  );
});
