import test from 'ava';
import { toy2dData, toy2dEvaluate } from '../models/toy2d_f64.ts';
import { Rng } from '../numerics/random.ts';
import { toy2dPoint } from './statistics.ts';

/**
 * The released 2Dim/model.py eval_Cov, step by step: one backward() per sample into a gradient buffer that is never
 * zeroed (it starts with whatever the last training step left in it), a copy of the buffer after each, then the
 * centred second moment over N.
 */
function releasedLoop(w: [number, number], data: Float64Array, leftover: [number, number]): Float64Array {
  const n = data.length / 2;
  const buffer = [...leftover];
  const rows: [number, number][] = [];
  for (let j = 0; j < n; j++) {
    const g = toy2dEvaluate(w, data, [j]).grad; // the gradient of model(X[j]).mean()
    buffer[0] += g[0];
    buffer[1] += g[1];
    rows.push([buffer[0]!, buffer[1]!]);
  }
  const mean = [rows.reduce((a, r) => a + r[0], 0) / n, rows.reduce((a, r) => a + r[1], 0) / n];
  const c = new Float64Array(4);
  for (const r of rows) {
    const a = r[0] - mean[0]!;
    const b = r[1] - mean[1]!;
    c[0] += a * a;
    c[1] += a * b;
    c[2] += b * a;
    c[3] += b * b;
  }
  return c.map((v) => v / n);
}

test('released-cumulative Σ equals a loop that accumulates per-sample gradients without zeroing, whatever was left over', (t) => {
  const rng = new Rng(7);
  const data = toy2dData(rng, 100);
  for (const w of [
    [1, 1],
    [0.93, 1.04],
    [-0.2, 0.4],
  ] as [number, number][]) {
    const fast = toy2dPoint(w, data, 'released-cumulative').sigma;
    for (const leftover of [
      [0, 0],
      [3.5, -12],
    ] as [number, number][]) {
      const slow = releasedLoop(w, data, leftover);
      for (let i = 0; i < 4; i++)
        t.true(Math.abs(fast[i]! - slow[i]!) <= 1e-9 * Math.max(1, Math.abs(slow[i]!)), `w=${w} entry ${i}: ${fast[i]} vs ${slow[i]}`);
    }
    // And it is not the per-sample covariance: the running sums grow like a random walk (about N/3 times larger).
    const correct = toy2dPoint(w, data).sigma;
    t.true(fast[0]! + fast[3]! > 5 * (correct[0]! + correct[3]!));
  }
});
