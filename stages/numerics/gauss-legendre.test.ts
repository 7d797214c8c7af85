import test from 'ava';
import { gaussLegendre } from './gauss-legendre.ts';

test('the n-point rule integrates xᵏ exactly for k ≤ 2n − 1 and not for k = 2n', (t) => {
  for (const n of [1, 2, 3, 8, 33, 64]) {
    const { nodes, weights } = gaussLegendre(n);
    for (let k = 0; k <= 2 * n; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += weights[i]! * nodes[i]! ** k;
      const exact = k % 2 === 1 ? 0 : 2 / (k + 1);
      if (k <= 2 * n - 1) t.true(Math.abs(s - exact) < 1e-13, `n ${n}, k ${k}: ${s} against ${exact}`);
      else if (n <= 8) t.true(Math.abs(s - exact) > 1e-6, `n ${n}: x^${k} should not be exact`);
    }
  }
});

test('two points at ±1/√3 with weight 1; nodes ascending, inside (−1, 1)', (t) => {
  const r = gaussLegendre(2);
  t.true(Math.abs(r.nodes[1]! - 1 / Math.sqrt(3)) < 1e-15);
  t.true(Math.abs(r.weights[0]! - 1) < 1e-15);
  const big = gaussLegendre(101);
  for (let i = 1; i < 101; i++) t.true(big.nodes[i]! > big.nodes[i - 1]!);
  t.true(big.nodes[0]! > -1 && big.nodes[100]! < 1 && Math.abs(big.nodes[50]!) < 1e-16);
  t.throws(() => gaussLegendre(0), { message: /positive integer/ });
});
