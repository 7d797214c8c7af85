/**
 * curvature.ts on the paper CNN and the toy loss: chunking, the Hessian operator interface, HVP symmetry and
 * backend agreement, expected sharpness against its closed form on a quadratic basin, batch helpers, and no tensor
 * leaks across repeated calls.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { dot, relErr, TEST_BACKENDS } from '../tf/testing.ts';
import { createCnn } from './cnn.ts';
import {
  disposeBatch, expectedSharpness, expectedSharpnessAsync, gatherBatch, hessianOperator, hvp, hvpSession, meanLoss, minibatchValueAndGrad, perExampleGradients,
  sliceBatch, valueAndGrad, valueAndGradSync,
} from './curvature.ts';
import type { Batch } from './model.ts';
import { createToy2d, toy2dBatch } from './toy2d.ts';

function cnnBatch(rng: Rng, n: number): Batch {
  return {
    x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 784)), [n, 28, 28, 1]),
    y: tf.tensor1d(Int32Array.from({ length: n }, () => rng.int(10)), 'int32'),
  };
}

test.serial('chunked value, gradient, HVP and mean loss equal the unchunked ones', async (t) => {
  await initBackend('wasm');
  const model = createCnn();
  const rng = new Rng(61);
  const batch = cnnBatch(rng, 10);
  const w = model.init(rng);
  const v = rng.fillNormal(new Float32Array(model.size));
  const whole = valueAndGrad(model, w, batch);
  const chunked = valueAndGrad(model, w, batch, { chunkSize: 4 });
  t.true(Math.abs(whole.value.dataSync()[0]! - chunked.value.dataSync()[0]!) < 1e-6);
  t.true(relErr(chunked.grad.dataSync(), whole.grad.dataSync()) < 1e-5);
  const h1 = hvp(model, w, batch, v);
  const h2 = hvp(model, w, batch, v, { chunkSize: 3 });
  t.true(relErr(h2.dataSync(), h1.dataSync()) < 1e-5);
  t.true(Math.abs(meanLoss(model, w, batch, { chunkSize: 4 }) - whole.value.dataSync()[0]!) < 1e-6);
  tf.dispose([whole.value, whole.grad, chunked.value, chunked.grad, h1, h2]);
  disposeBatch(batch);
});

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] paper CNN: the Hessian operator is symmetric (vᵀHu = uᵀHv) and float64 in/out`, async (t) => {
    await initBackend(backend);
    const model = createCnn();
    const rng = new Rng(62);
    const batch = cnnBatch(rng, 16);
    const w = model.init(rng);
    // a point away from the tiny-weight init, where curvature is larger
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * 10;
    const op = hessianOperator(model, w, batch);
    t.is(op.size, 11_330);
    const u = rng.fillNormal(new Float64Array(model.size));
    const v = rng.fillNormal(new Float64Array(model.size));
    const Hu = (await op.matvec(u)) as Float64Array;
    const Hv = (await op.matvec(v)) as Float64Array;
    t.true(Hu instanceof Float64Array);
    const a = dot(v, Hu);
    const b = dot(u, Hv);
    t.log(`vᵀHu = ${a.toExponential(6)}, uᵀHv = ${b.toExponential(6)}`);
    t.true(Math.abs(a - b) < 1e-4 * Math.max(Math.abs(a), Math.abs(b)));
    const direct = hvp(model, w, batch, Float32Array.from(u));
    t.true(relErr(Hu, direct.dataSync()) < 1e-6, 'matvec = hvp');
    direct.dispose();
    t.throws(() => op.matvec(new Float64Array(3)), { message: /length 3, expected 11330/ });
    op.dispose();
    t.throws(() => op.matvec(u), { message: /after dispose/ });
    disposeBatch(batch);
  });
}

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] hvpSession and the tape-reusing Hessian operator equal plain double backprop`, async (t) => {
    await initBackend(backend);
    const model = createCnn();
    const rng = new Rng(67);
    const batch = cnnBatch(rng, 8);
    const w = model.init(rng).map((x) => 10 * x);
    const before = tf.memory().numTensors;
    const session = hvpSession(model, w, batch);
    const reuse = hessianOperator(model, w, batch);
    const chunkedReuse = hessianOperator(model, w, batch, { chunkSize: 3, reuseTape: true });
    const plain = hessianOperator(model, w, batch, { reuseTape: false });
    for (let k = 0; k < 3; k++) {
      const v = rng.fillNormal(new Float32Array(model.size));
      const ref = hvp(model, w, batch, v);
      const hs = session.hvp(v);
      t.true(relErr(hs.dataSync(), ref.dataSync()) < 1e-6, `session, product ${k}`);
      const v64 = Float64Array.from(v);
      t.true(relErr(reuse.matvec(v64) as Float64Array, ref.dataSync()) < 1e-6);
      t.true(relErr(chunkedReuse.matvec(v64) as Float64Array, ref.dataSync()) < 1e-5);
      t.true(relErr(plain.matvec(v64) as Float64Array, ref.dataSync()) < 1e-6);
      tf.dispose([ref, hs]);
    }
    [session, reuse, chunkedReuse, plain].forEach((o) => o.dispose());
    t.throws(() => session.hvp(new Float32Array(model.size)), { message: /after dispose/ });
    t.is(tf.memory().numTensors, before, 'sessions free their recorded tapes');
    disposeBatch(batch);
  });
}

test.serial('paper CNN: wasm and cpu give the same loss, gradient and HVP', async (t) => {
  const model = createCnn();
  const rng = new Rng(63);
  const xs = rng.fillNormal(new Float32Array(6 * 784));
  const ys = Int32Array.from({ length: 6 }, () => rng.int(10));
  const w = model.init(rng).map((x) => 10 * x);
  const v = rng.fillNormal(new Float32Array(model.size));
  const out: Float32Array[][] = [];
  for (const backend of TEST_BACKENDS) {
    await initBackend(backend);
    const batch = { x: tf.tensor4d(xs, [6, 28, 28, 1]), y: tf.tensor1d(ys, 'int32') };
    const { value, grad } = valueAndGrad(model, w, batch);
    const hv = hvp(model, w, batch, v);
    out.push([value.dataSync() as Float32Array, grad.dataSync() as Float32Array, hv.dataSync() as Float32Array]);
    tf.dispose([value, grad, hv]);
    disposeBatch(batch);
  }
  t.true(relErr(out[0]![0]!, out[1]![0]!) < 1e-6);
  t.true(relErr(out[0]![1]!, out[1]![1]!) < 1e-5);
  t.true(relErr(out[0]![2]!, out[1]![2]!) < 1e-4, `HVP rel err ${relErr(out[0]![2]!, out[1]![2]!)}`);
});

test.serial('no tensors leak across repeated gradient, HVP, per-example, operator and sharpness calls', async (t) => {
  await initBackend('wasm');
  const model = createCnn();
  const rng = new Rng(64);
  const batch = cnnBatch(rng, 5);
  const w = model.init(rng);
  const wt = tf.tensor1d(w);
  const v = rng.fillNormal(new Float32Array(model.size));
  const round = () => {
    const { value, grad } = valueAndGrad(model, wt, batch, { chunkSize: 2 });
    const h = hvp(model, wt, batch, v);
    const pe = perExampleGradients(model, w, batch);
    const op = hessianOperator(model, wt, batch);
    op.matvec(Float64Array.from(v));
    op.dispose();
    expectedSharpness(model, w, batch, { delta: 1e-3, samples: 2, rng });
    const mini = gatherBatch(batch, [4, 0, 2]);
    const mg = valueAndGrad(model, w, mini);
    const mg2 = minibatchValueAndGrad(model, w, batch, [4, 0, 2]);
    const sync = valueAndGradSync(model, w, mini);
    t.true(relErr(mg2.grad.dataSync(), mg.grad.dataSync()) === 0 && relErr(sync.grad, mg.grad.dataSync()) === 0);
    t.is(sync.value, mg.value.dataSync()[0]);
    tf.dispose([value, grad, h, pe, mg.value, mg.grad, mg2.value, mg2.grad]);
    disposeBatch(mini);
  };
  round();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) round();
  t.is(tf.memory().numTensors, before);
  wt.dispose();
  disposeBatch(batch);
});

test.serial('expected sharpness in the toy sharp basin equals δ²/2 · tr H = δ²/2 · 220', async (t) => {
  await initBackend('wasm');
  const model = createToy2d();
  const batch = toy2dBatch(new Rng(65));
  const w = Float32Array.from([1, 1]);
  const delta = 0.01;
  const expected = (delta * delta * 220) / 2;
  for (const antithetic of [true, false]) {
    const est = expectedSharpness(model, w, batch, { delta, samples: 400, rng: new Rng(66), antithetic });
    t.log(`antithetic=${antithetic}: ${est.estimate.toExponential(4)} ± ${est.stderr.toExponential(2)} (exact ${expected})`);
    t.true(Math.abs(est.estimate - expected) < 4 * est.stderr + 1e-6);
    t.true(est.stderr < 0.15 * expected);
    t.is(est.evaluations, antithetic ? 800 : 400);
    t.true(est.baseLoss > 0 && est.baseLoss < 0.05, `L(θ) = ${est.baseLoss}`);
  }
  const again = expectedSharpness(model, w, batch, { delta, samples: 10, rng: new Rng(7) });
  t.deepEqual(again, expectedSharpness(model, w, batch, { delta, samples: 10, rng: new Rng(7) }), 'deterministic given the seed');
  t.deepEqual(await expectedSharpnessAsync(model, w, batch, { delta, samples: 10, rng: new Rng(7), chunkSize: 7 }), expectedSharpness(model, w, batch, { delta, samples: 10, rng: new Rng(7), chunkSize: 7 }), 'awaited reads: the same numbers');
  t.throws(() => expectedSharpness(model, w, batch, { delta: 0, samples: 10, rng: new Rng(1) }), { message: /delta must be positive/ });
  t.throws(() => expectedSharpness(model, w, batch, { delta, samples: 1, rng: new Rng(1) }), { message: /≥ 2 samples/ });
  batch.x.dispose();
});

test.serial('sliceBatch and gatherBatch select rows of x and y', async (t) => {
  await initBackend('wasm');
  const batch = { x: tf.tensor2d([0, 0, 1, 1, 2, 2, 3, 3], [4, 2]), y: tf.tensor1d([10, 11, 12, 13], 'int32') };
  const s = sliceBatch(batch, 1, 2);
  t.deepEqual(Array.from(s.x.dataSync()), [1, 1, 2, 2]);
  t.deepEqual(Array.from(s.y!.dataSync()), [11, 12]);
  const g = gatherBatch(batch, [3, 0]);
  t.deepEqual(Array.from(g.x.dataSync()), [3, 3, 0, 0]);
  t.deepEqual(Array.from(g.y!.dataSync()), [13, 10]);
  t.throws(() => sliceBatch(batch, 3, 2), { message: /rows \[3, 5\) of 4/ });
  [s, g, batch].forEach(disposeBatch);
});
