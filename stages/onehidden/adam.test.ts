import test from 'ava';
import { Adam } from './adam.ts';

test('the first Adam step moves every coordinate by lr against the sign of its gradient', (t) => {
  const w = Float32Array.of(1, -2, 3);
  new Adam(3).step(w, [0.5, -4, 1e-3], 0.1);
  // m̂ = g, v̂ = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g).
  t.true(Math.abs(w[0]! - 0.9) < 1e-6);
  t.true(Math.abs(w[1]! - -1.9) < 1e-6);
  t.true(Math.abs(w[2]! - 2.9) < 1e-4);
});

test('Adam minimises a quadratic', (t) => {
  const w = Float32Array.of(5, -3);
  const adam = new Adam(2);
  for (let i = 0; i < 2000; i++) adam.step(w, [2 * w[0]!, 20 * w[1]!], 0.05);
  t.true(Math.abs(w[0]!) < 1e-2 && Math.abs(w[1]!) < 1e-2, `w = ${w}`);
});
