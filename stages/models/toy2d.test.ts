/**
 * The toy two-basin loss: closed forms (float64) against the tfjs model on both backends — loss, gradient, HVP vs
 * the closed-form Hessian, per-example gradients — plus the basins' curvature and the data generator's covariance.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { readF64, relErr, TEST_BACKENDS } from '../tf/testing.ts';
import { hvp, perExampleGradients, valueAndGrad } from './curvature.ts';
import { createToy2d, toy2dBatch } from './toy2d.ts';
import { TOY2D_C, toy2dData, toy2dEvaluate, toy2dPerExampleGradients, toy2dSample } from './toy2d_f64.ts';

test('closed forms: the sharp basin at (1,1) has Hessian eigenvalues 200 and 20, the flat one at (−1,−1) has 2I', (t) => {
  const out = new Float64Array(7);
  toy2dSample(1, 1, 0, 0, out);
  t.deepEqual(Array.from(out.subarray(0, 3)), [0, 0, 0]);
  t.is(out[6], 0, 'sharp branch');
  const [a, b, d] = [out[3]!, out[4]!, out[5]!];
  const mean = (a + d) / 2;
  const r = Math.sqrt(((a - d) / 2) ** 2 + b * b);
  t.true(Math.abs(mean + r - 200) < 1e-9 && Math.abs(mean - r - 20) < 1e-9);
  // the stiff direction is (c, s)
  t.true(Math.abs(a * TOY2D_C + b * TOY2D_C - 200 * TOY2D_C) < 1e-9);
  toy2dSample(-1, -1, 0, 0, out);
  t.deepEqual(Array.from(out), [0, 0, 0, 2, 0, 2, 1]);
});

test('closed-form gradient and Hessian equal central differences of the closed-form loss, in both branches', (t) => {
  const rng = new Rng(31);
  const data = toy2dData(rng, 20);
  for (const w of [
    [1.05, 0.97],
    [-0.9, -1.1],
    [0.2, -0.4],
  ]) {
    const ev = toy2dEvaluate(w, data);
    const h = 1e-6;
    const f = (u: number[]) => toy2dEvaluate(u, data).loss;
    const g = (u: number[]) => toy2dEvaluate(u, data).grad;
    const fd = [(f([w[0]! + h, w[1]!]) - f([w[0]! - h, w[1]!])) / (2 * h), (f([w[0]!, w[1]! + h]) - f([w[0]!, w[1]! - h])) / (2 * h)];
    t.true(relErr(ev.grad, fd) < 1e-6, `gradient at ${w}`);
    const gx = [g([w[0]! + h, w[1]!]), g([w[0]! - h, w[1]!])];
    const gy = [g([w[0]!, w[1]! + h]), g([w[0]!, w[1]! - h])];
    const H = [(gx[0]![0] - gx[1]![0]) / (2 * h), (gx[0]![1] - gx[1]![1]) / (2 * h), (gy[0]![1] - gy[1]![1]) / (2 * h)];
    t.true(relErr(ev.hessian, H) < 1e-5, `Hessian at ${w}`);
  }
});

test('data generator: x = (z ⊙ (√10, 1))·R·1e−2 has covariance Rᵀ diag(10, 1) R · 1e−4', (t) => {
  const data = toy2dData(new Rng(32), 200_000);
  let s00 = 0;
  let s01 = 0;
  let s11 = 0;
  for (let i = 0; i < data.length; i += 2) {
    s00 += data[i]! ** 2;
    s01 += data[i]! * data[i + 1]!;
    s11 += data[i + 1]! ** 2;
  }
  const n = data.length / 2;
  // Rᵀ diag(10,1) R with R = [[c, −s], [s, c]]: [[5.5, −4.5], [−4.5, 5.5]]
  t.true(relErr([s00 / n / 1e-4, s01 / n / 1e-4, s11 / n / 1e-4], [5.5, -4.5, 5.5]) < 0.02);
  t.deepEqual(toy2dData(new Rng(5), 3), toy2dData(new Rng(5), 3), 'deterministic given the seed');
});

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] tfjs toy2d: loss, gradient, HVP and per-example gradients equal the closed forms`, async (t) => {
    await initBackend(backend);
    const model = createToy2d();
    t.is(model.size, 2);
    t.deepEqual(Array.from(model.init(new Rng(0))), [1, 1]);
    const rng = new Rng(33);
    const batch = toy2dBatch(rng);
    const data = await readF64(batch.x);
    const before = tf.memory().numTensors;
    // points in the sharp basin, the flat basin, and on the boundary where the samples split between the branches
    const buf = new Float64Array(7);
    let flat = 0;
    for (let i = 0; i < 100; i++) {
      toy2dSample(0.82, 0.815, data[2 * i]!, data[2 * i + 1]!, buf);
      flat += buf[6]!;
    }
    t.true(flat > 10 && flat < 90, `${flat} of 100 samples in the flat branch at the boundary point`);
    for (const w of [
      [1.02, 0.99],
      [-1.03, -0.95],
      [0.82, 0.815],
    ]) {
      const w32 = Float32Array.from(w);
      const ref = toy2dEvaluate(Float64Array.from(w32), data);
      const { value, grad } = valueAndGrad(model, w32, batch);
      t.true(Math.abs((await readF64(value))[0]! - ref.loss) <= 1e-5 * Math.max(1, ref.loss), `loss at ${w}`);
      const g = await readF64(grad);
      t.true(relErr(g, ref.grad) < 1e-4, `gradient at ${w}: ${g} vs ${ref.grad}`);
      const [h00, h01, h11] = ref.hessian;
      for (const v of [
        [1, 0],
        [0, 1],
        [0.6, -0.8],
      ]) {
        const hv = hvp(model, w32, batch, Float32Array.from(v));
        t.true(relErr(await readF64(hv), [h00 * v[0]! + h01 * v[1]!, h01 * v[0]! + h11 * v[1]!]) < 1e-5, `HVP at ${w}`);
        hv.dispose();
      }
      const pe = perExampleGradients(model, w32, batch);
      t.deepEqual(pe.shape, [100, 2]);
      t.true(relErr(await readF64(pe), toy2dPerExampleGradients(Float64Array.from(w32), data)) < 1e-4);
      tf.dispose([value, grad, pe]);
    }
    t.is(tf.memory().numTensors, before, 'no leaked tensors');
    batch.x.dispose();
  });
}
