/**
 * The tiny conv net (every kernel of the paper CNN) and the tanh MLP: value, gradient and the dense Hessian assembled
 * from HVPs, against independent routes — a float64 hand-written network with central differences inside one smooth
 * piece (tiny conv net), and float32 finite differences of the gradient (smooth tanh MLP) — on wasm and cpu.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { readF64, relErr, TEST_BACKENDS } from '../tf/testing.ts';
import { denseHessian, hvp, meanLoss, valueAndGrad } from './curvature.ts';
import { createTanhMlp, createTinyConvNet } from './tiny.ts';
import { tinyHessianByDifferences, tinyLossAndGrad, type TinyData } from './tiny_reference.ts';

function tinyData(rng: Rng, n: number): TinyData {
  return {
    x: Float64Array.from(Float32Array.from(rng.fillNormal(new Float64Array(n * 36)))),
    y: Int32Array.from({ length: n }, () => rng.int(3)),
  };
}

/** max |H − Hᵀ| / max |H|. */
function asymmetry(H: Float64Array, D: number): number {
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < D; i++)
    for (let j = 0; j < D; j++) {
      diff = Math.max(diff, Math.abs(H[i * D + j]! - H[j * D + i]!));
      scale = Math.max(scale, Math.abs(H[i * D + j]!));
    }
  return diff / scale;
}

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] tiny conv net: loss, gradient and dense Hessian (from HVPs) match a float64 reference`, async (t) => {
    await initBackend(backend);
    const model = createTinyConvNet();
    t.is(model.size, 47);
    const rng = new Rng(21);
    const data = tinyData(rng, 12);
    const w = model.init(rng);
    const w64 = Float64Array.from(w);
    const batch = { x: tf.tensor4d(Float32Array.from(data.x), [12, 6, 6, 1]), y: tf.tensor1d(data.y, 'int32') };
    const before = tf.memory().numTensors;
    const ref = tinyLossAndGrad(w64, data);
    const { value, grad } = valueAndGrad(model, w, batch);
    t.true(Math.abs((await readF64(value))[0]! - ref.loss) < 1e-5 * Math.abs(ref.loss));
    const gradErr = relErr(await readF64(grad), ref.grad);
    t.true(gradErr < 1e-5, `gradient rel err ${gradErr}`);
    tf.dispose([value, grad]);
    const H = await denseHessian(model, w, batch);
    const Href = tinyHessianByDifferences(w64, data);
    t.true(asymmetry(H, 47) < 1e-5, `HVP Hessian asymmetry ${asymmetry(H, 47)}`);
    const err = relErr(H, Href);
    t.log(`dense Hessian rel err vs float64 differences: ${err.toExponential(2)}`);
    t.true(err < 1e-5);
    t.is(tf.memory().numTensors, before, 'no leaked tensors');
    tf.dispose([batch.x, batch.y]);
  });

  test.serial(`[${backend}] tanh MLP: HVPs equal finite differences of the gradient; the dense Hessian is symmetric`, async (t) => {
    await initBackend(backend);
    const model = createTanhMlp();
    t.is(model.size, 51);
    const rng = new Rng(22);
    const n = 16;
    const batch = {
      x: tf.tensor2d(rng.fillNormal(new Float32Array(n * 4)), [n, 4]),
      y: tf.tensor1d(
        Int32Array.from({ length: n }, () => rng.int(3)),
        'int32',
      ),
    };
    const w = model.init(rng);
    const gradAt = async (u: Float32Array) => {
      const { value, grad } = valueAndGrad(model, u, batch);
      const out = await readF64(grad);
      tf.dispose([value, grad]);
      return out;
    };
    for (let k = 0; k < 3; k++) {
      const v = rng.fillNormal(new Float32Array(model.size));
      const hv = hvp(model, w, batch, v);
      const eps = 1e-2;
      const wp = Float32Array.from(w, (x, i) => x + eps * v[i]!);
      const wm = Float32Array.from(w, (x, i) => x - eps * v[i]!);
      const gp = await gradAt(wp);
      const gm = await gradAt(wm);
      const fd = gp.map((g, i) => (g - gm[i]!) / (2 * eps));
      const err = relErr(await readF64(hv), fd);
      t.log(`HVP vs central differences (ε = 1e−2, float32): rel err ${err.toExponential(2)}`);
      t.true(err < 5e-3);
      hv.dispose();
    }
    const H = await denseHessian(model, w, batch);
    const asym = asymmetry(H, 51);
    t.log(`dense Hessian asymmetry ${asym.toExponential(2)}`);
    t.true(asym < 1e-5);
    tf.dispose([batch.x, batch.y]);
  });
}

test.serial(`the tiny conv net gives the same loss and HVP on ${TEST_BACKENDS.join(', ')}`, async (t) => {
  const model = createTinyConvNet();
  const rng = new Rng(23);
  const data = tinyData(rng, 10);
  const w = model.init(rng);
  const v = rng.fillNormal(new Float32Array(47));
  const results: { loss: number; hv: Float64Array }[] = [];
  for (const backend of TEST_BACKENDS) {
    await initBackend(backend);
    const batch = { x: tf.tensor4d(Float32Array.from(data.x), [10, 6, 6, 1]), y: tf.tensor1d(data.y, 'int32') };
    const hv = hvp(model, w, batch, v);
    results.push({ loss: await meanLoss(model, w, batch), hv: await readF64(hv) });
    tf.dispose([hv, batch.x, batch.y]);
  }
  for (let b = 1; b < TEST_BACKENDS.length; b++) {
    const lossDiff = Math.abs(results[b]!.loss - results[0]!.loss);
    const hvErr = relErr(results[b]!.hv, results[0]!.hv);
    t.log(`${TEST_BACKENDS[b]} vs ${TEST_BACKENDS[0]}: loss difference ${lossDiff.toExponential(2)}, HVP rel err ${hvErr.toExponential(2)}`);
    t.true(lossDiff < 1e-6, `${TEST_BACKENDS[b]} loss`);
    t.true(hvErr < 1e-5, `${TEST_BACKENDS[b]} HVP`);
  }
});
