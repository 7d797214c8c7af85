/**
 * curvature.ts on the paper CNN and the toy loss: chunking, the Hessian operator interface, HVP symmetry and
 * backend agreement, expected sharpness against its closed form on a quadratic basin, batch helpers, and no tensor
 * leaks across repeated calls.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { dot, readF64, relErr, TEST_BACKENDS } from '../tf/testing.ts';
import { createCnn } from './cnn.ts';
import {
  disposeBatch,
  expectedSharpness,
  gatherBatch,
  hessianOperator,
  hvp,
  hvpSession,
  meanLoss,
  minibatchValueAndGrad,
  perExampleGradients,
  sliceBatch,
  valueAndGrad,
  valueAndGradRead,
} from './curvature.ts';
import type { Batch } from './model.ts';
import { createToy2d, toy2dBatch } from './toy2d.ts';

function cnnBatch(rng: Rng, n: number): Batch {
  return {
    x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 784)), [n, 28, 28, 1]),
    y: tf.tensor1d(
      Int32Array.from({ length: n }, () => rng.int(10)),
      'int32',
    ),
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
  const wholeValue = (await readF64(whole.value))[0]!;
  t.true(Math.abs(wholeValue - (await readF64(chunked.value))[0]!) < 1e-6);
  t.true(relErr(await readF64(chunked.grad), await readF64(whole.grad)) < 1e-5);
  const h1 = hvp(model, w, batch, v);
  const h2 = hvp(model, w, batch, v, { chunkSize: 3 });
  t.true(relErr(await readF64(h2), await readF64(h1)) < 1e-5);
  t.true(Math.abs((await meanLoss(model, w, batch, { chunkSize: 4 })) - wholeValue) < 1e-6);
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
    const Hu = await op.matvec(u);
    const Hv = await op.matvec(v);
    t.true(Hu instanceof Float64Array);
    const a = dot(v, Hu);
    const b = dot(u, Hv);
    t.log(`vᵀHu = ${a.toExponential(6)}, uᵀHv = ${b.toExponential(6)}`);
    t.true(Math.abs(a - b) < 1e-4 * Math.max(Math.abs(a), Math.abs(b)));
    const direct = hvp(model, w, batch, Float32Array.from(u));
    const err = relErr(Hu, await readF64(direct));
    t.log(`matvec (recorded tape) vs hvp (double backprop): relative error ${err.toExponential(2)}`);
    t.true(err < 1e-6, 'matvec = hvp');
    direct.dispose();
    await t.throwsAsync(op.matvec(new Float64Array(3)), { message: /length 3, expected 11330/ });
    op.dispose();
    await t.throwsAsync(op.matvec(u), { message: /after dispose/ });
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
      const r = await readF64(ref);
      const errs = [relErr(await readF64(hs), r), relErr(await reuse.matvec(Float64Array.from(v)), r)];
      const v64 = Float64Array.from(v);
      errs.push(relErr(await chunkedReuse.matvec(v64), r), relErr(await plain.matvec(v64), r));
      t.log(`product ${k}: session, reuse, chunked reuse, plain vs hvp: ${errs.map((e) => e.toExponential(2)).join(', ')}`);
      t.true(errs[0]! < 1e-6, `session, product ${k}`);
      t.true(errs[1]! < 1e-6);
      t.true(errs[2]! < 1e-5);
      t.true(errs[3]! < 1e-6);
      tf.dispose([ref, hs]);
    }
    [session, reuse, chunkedReuse, plain].forEach((o) => o.dispose());
    t.throws(() => session.hvp(new Float32Array(model.size)), { message: /after dispose/ });
    t.is(tf.memory().numTensors, before, 'sessions free their recorded tapes');
    disposeBatch(batch);
  });
}

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] the Hessian operator's matvecTensor is matvec on the device (tape reuse, chunks, plain)`, async (t) => {
    await initBackend(backend);
    const model = createCnn();
    const rng = new Rng(68);
    const batch = cnnBatch(rng, 6);
    const w = model.init(rng).map((x) => 10 * x);
    const before = tf.memory().numTensors;
    const ops = [hessianOperator(model, w, batch), hessianOperator(model, w, batch, { chunkSize: 4 }), hessianOperator(model, w, batch, { reuseTape: false })];
    const v = rng.fillNormal(new Float32Array(model.size));
    const vt = tf.tensor1d(v);
    for (const op of ops) {
      const hv = op.matvecTensor(vt);
      t.deepEqual(hv.shape, [model.size]);
      t.true(relErr(await readF64(hv), await op.matvec(Float64Array.from(v))) < 1e-6);
      hv.dispose();
    }
    const short = tf.zeros([3]) as tf.Tensor1D;
    t.throws(() => ops[0]!.matvecTensor(short), { message: /shape \[3\], expected \[11330\]/ });
    short.dispose();
    ops.forEach((o) => o.dispose());
    t.throws(() => ops[0]!.matvecTensor(vt), { message: /after dispose/ });
    vt.dispose();
    t.is(tf.memory().numTensors, before, 'no tensor left behind');
    disposeBatch(batch);
  });
}

test.serial(`paper CNN: ${TEST_BACKENDS.join(', ')} give the same loss, gradient and HVP as ${TEST_BACKENDS[0]}`, async (t) => {
  const model = createCnn();
  const rng = new Rng(63);
  const xs = rng.fillNormal(new Float32Array(6 * 784));
  const ys = Int32Array.from({ length: 6 }, () => rng.int(10));
  const w = model.init(rng).map((x) => 10 * x);
  const v = rng.fillNormal(new Float32Array(model.size));
  const out: Float64Array[][] = [];
  for (const backend of TEST_BACKENDS) {
    await initBackend(backend);
    const batch = { x: tf.tensor4d(xs, [6, 28, 28, 1]), y: tf.tensor1d(ys, 'int32') };
    const { value, grad } = valueAndGrad(model, w, batch);
    const hv = hvp(model, w, batch, v);
    out.push([await readF64(value), await readF64(grad), await readF64(hv)]);
    tf.dispose([value, grad, hv]);
    disposeBatch(batch);
  }
  for (let b = 1; b < TEST_BACKENDS.length; b++) {
    const errs = [0, 1, 2].map((i) => relErr(out[b]![i]!, out[0]![i]!));
    t.log(
      `${TEST_BACKENDS[b]} vs ${TEST_BACKENDS[0]}: loss ${errs[0]!.toExponential(2)}, gradient ${errs[1]!.toExponential(2)}, HVP ${errs[2]!.toExponential(2)}`,
    );
    t.true(errs[0]! < 1e-6, `${TEST_BACKENDS[b]} loss`);
    t.true(errs[1]! < 1e-5, `${TEST_BACKENDS[b]} gradient`);
    t.true(errs[2]! < 1e-4, `${TEST_BACKENDS[b]} HVP`);
  }
});

test.serial('no tensors leak across repeated gradient, HVP, per-example, operator and sharpness calls', async (t) => {
  await initBackend('wasm');
  const model = createCnn();
  const rng = new Rng(64);
  const batch = cnnBatch(rng, 5);
  const w = model.init(rng);
  const wt = tf.tensor1d(w);
  const v = rng.fillNormal(new Float32Array(model.size));
  const round = async () => {
    const { value, grad } = valueAndGrad(model, wt, batch, { chunkSize: 2 });
    const h = hvp(model, wt, batch, v);
    const pe = perExampleGradients(model, w, batch);
    const op = hessianOperator(model, wt, batch);
    await op.matvec(Float64Array.from(v));
    op.dispose();
    await expectedSharpness(model, w, batch, { delta: 1e-3, samples: 2, rng });
    const mini = gatherBatch(batch, [4, 0, 2]);
    const mg = valueAndGrad(model, w, mini);
    const mg2 = minibatchValueAndGrad(model, w, batch, [4, 0, 2]);
    const read = await valueAndGradRead(model, w, mini);
    const mgGrad = await readF64(mg.grad);
    t.true(relErr(await readF64(mg2.grad), mgGrad) === 0 && relErr(read.grad, mgGrad) === 0);
    t.is(read.value, (await readF64(mg.value))[0]);
    tf.dispose([value, grad, h, pe, mg.value, mg.grad, mg2.value, mg2.grad]);
    disposeBatch(mini);
  };
  await round();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await round();
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
    const est = await expectedSharpness(model, w, batch, { delta, samples: 400, rng: new Rng(66), antithetic });
    t.log(`antithetic=${antithetic}: ${est.estimate.toExponential(4)} ± ${est.stderr.toExponential(2)} (exact ${expected})`);
    t.true(Math.abs(est.estimate - expected) < 4 * est.stderr + 1e-6);
    t.true(est.stderr < 0.15 * expected);
    t.is(est.evaluations, antithetic ? 800 : 400);
    t.true(est.baseLoss > 0 && est.baseLoss < 0.05, `L(θ) = ${est.baseLoss}`);
  }
  const again = await expectedSharpness(model, w, batch, { delta, samples: 10, rng: new Rng(7) });
  t.deepEqual(again, await expectedSharpness(model, w, batch, { delta, samples: 10, rng: new Rng(7) }), 'deterministic given the seed');
  await t.throwsAsync(expectedSharpness(model, w, batch, { delta: 0, samples: 10, rng: new Rng(1) }), { message: /delta must be positive/ });
  await t.throwsAsync(expectedSharpness(model, w, batch, { delta, samples: 1, rng: new Rng(1) }), { message: /≥ 2 samples/ });
  batch.x.dispose();
});

test.serial('sliceBatch and gatherBatch select rows of x and y', async (t) => {
  await initBackend('wasm');
  const batch = { x: tf.tensor2d([0, 0, 1, 1, 2, 2, 3, 3], [4, 2]), y: tf.tensor1d([10, 11, 12, 13], 'int32') };
  const s = sliceBatch(batch, 1, 2);
  t.deepEqual(Array.from(await readF64(s.x)), [1, 1, 2, 2]);
  t.deepEqual(Array.from(await readF64(s.y!)), [11, 12]);
  const g = gatherBatch(batch, [3, 0]);
  t.deepEqual(Array.from(await readF64(g.x)), [3, 3, 0, 0]);
  t.deepEqual(Array.from(await readF64(g.y!)), [13, 10]);
  t.throws(() => sliceBatch(batch, 3, 2), { message: /rows \[3, 5\) of 4/ });
  [s, g, batch].forEach(disposeBatch);
});
