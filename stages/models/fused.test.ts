/**
 * The fused native value and gradient (stages/models/fused.ts) against tfjs's autodiff on the same backend and
 * weights: the paper's CNN, a 'same'-padded net with a 3×3 pool, minibatch rows (with repeats) against a gathered
 * batch, bit-identity across thread counts and instruction sets, where it declines, and its errors. The tiny conv
 * net's fused gradient is also checked against a float64 hand-written reference in tiny.test.ts.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { nativeAvailability } from '../tf/native.ts';
import { relErr } from '../tf/testing.ts';
import { createCnn } from './cnn.ts';
import { gatherBatch, disposeBatch, minibatchValueAndGrad, valueAndGradRead } from './curvature.ts';
import { nativeProgram } from './fused.ts';
import { softmaxCrossEntropyHead } from './heads.ts';
import { scaledNormalInit } from './inits.ts';
import type { Batch, FlatModel } from './model.ts';
import { layerShapes, sequentialModel } from './sequential.ts';
import { createTanhMlp } from './tiny.ts';

const native = nativeAvailability();
const nativeTest = native.ok ? test.serial : test.serial.skip;
if (!native.ok)
  test('fused native gradient tests skipped', (t) => {
    t.log(`skipped: ${native.reason}`);
    t.pass();
  });

function randomBatch(rng: Rng, n: number, shape: number[], classes: number, dtype: 'int32' | 'float32' = 'int32'): Batch {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(Float32Array.from(rng.fillNormal(new Float64Array(n * size))), [n, ...shape]);
  const y = tf.tensor1d(
    Int32Array.from({ length: n }, () => rng.int(classes)),
    dtype,
  );
  return { x, y };
}

/** Scales the init so that activations are far from zero (the CNN's normal(0, 0.02) init gives near-uniform logits). */
function weights(model: FlatModel, rng: Rng, scale: number): Float32Array {
  return model.init(rng).map((v) => v * scale);
}

/** tfjs's autodiff and the fused path (which must apply) on the same weights and batch. */
async function tapeAndFused(model: FlatModel, w: Float32Array, batch: Batch) {
  const fused = model.fusedValueAndGrad!(w, batch);
  if (!fused) throw new Error(`${model.name}: the fused path did not apply`);
  return { tape: await valueAndGradRead(model, w, batch, { fused: false }), fused };
}

const sameNet = () =>
  sequentialModel({
    name: 'same-pool3',
    inputShape: [9, 9, 2],
    layers: [
      { kind: 'conv2d', name: 'c1', kernel: 3, filters: 4, padding: 'same' },
      { kind: 'relu' },
      { kind: 'maxpool', size: 3 },
      { kind: 'conv2d', name: 'c2', kernel: 3, filters: 3, padding: 'same' },
      { kind: 'relu' },
      { kind: 'flatten' },
      { kind: 'dense', name: 'fc1', units: 7 },
      { kind: 'relu' },
      { kind: 'dense', name: 'fc2', units: 5 },
    ],
    head: softmaxCrossEntropyHead,
    init: scaledNormalInit(1),
  });

nativeTest('the paper CNN: fused value and gradient equal tfjs autodiff (float32 rounding), N = 70', async (t) => {
  await initBackend('native');
  const model = createCnn();
  const rng = new Rng(3);
  const batch = randomBatch(rng, 70, [28, 28, 1], 10);
  const w = weights(model, rng, 10);
  const { tape, fused } = await tapeAndFused(model, w, batch);
  t.true(Math.abs(fused.value - tape.value) <= 1e-5 * Math.abs(tape.value), `${fused.value} vs ${tape.value}`);
  const err = relErr(fused.grad, tape.grad);
  t.true(err < 1e-5, `relative gradient error ${err}`);
  t.true(fused.grad.some((g) => g !== 0));
  disposeBatch(batch);
});

nativeTest("'same' padding, a 3×3 pool, float32 labels: fused equals autodiff", async (t) => {
  await initBackend('native');
  const model = sameNet();
  const rng = new Rng(5);
  const batch = randomBatch(rng, 37, [9, 9, 2], 5, 'float32');
  const w = weights(model, rng, 1);
  const { tape, fused } = await tapeAndFused(model, w, batch);
  t.true(Math.abs(fused.value - tape.value) <= 1e-5 * Math.abs(tape.value));
  const err = relErr(fused.grad, tape.grad);
  t.true(err < 1e-5, `relative gradient error ${err}`);
  disposeBatch(batch);
});

nativeTest('minibatch rows (with a repeat) equal autodiff on the gathered minibatch', async (t) => {
  await initBackend('native');
  const model = createCnn();
  const rng = new Rng(8);
  const batch = randomBatch(rng, 50, [28, 28, 1], 10);
  const w = weights(model, rng, 10);
  const rows = Int32Array.from([49, 3, 3, 17, 0, 21, 8, 44, 30, 12, 5, 6, 7, 9, 10, 11, 13, 14, 15, 16]);
  const mini = gatherBatch(batch, rows);
  const tape = await valueAndGradRead(model, w, mini, { fused: false });
  t.not(model.fusedValueAndGrad!(w, batch, rows), null);
  const r = minibatchValueAndGrad(model, tf.tensor1d(w), batch, rows);
  const fused = { value: r.value.dataSync()[0]!, grad: r.grad.dataSync() as Float32Array };
  tf.dispose([r.value, r.grad]);
  t.true(Math.abs(fused.value - tape.value) <= 1e-5 * Math.abs(tape.value));
  t.true(relErr(fused.grad, tape.grad) < 1e-5);
  disposeBatch(mini);
  disposeBatch(batch);
});

nativeTest('bit-identical for 1, 2 and 3 threads and for every instruction set', async (t) => {
  await initBackend('native');
  const addon = native.ok ? native.addon : null!;
  const model = createCnn();
  const rng = new Rng(13);
  const batch = randomBatch(rng, 100, [28, 28, 1], 10); // 7 blocks of 16
  const w = weights(model, rng, 10);
  const before = addon.threads();
  const isa = addon.isa();
  try {
    const runs = [1, 2, 3].map((n) => {
      addon.setThreads(n);
      return model.fusedValueAndGrad!(w, batch)!;
    });
    for (const r of runs.slice(1)) {
      t.is(r.value, runs[0]!.value);
      t.deepEqual(Buffer.from(r.grad.buffer), Buffer.from(runs[0]!.grad.buffer));
    }
    addon.setThreads(1);
    for (const other of addon.supportedIsas()) {
      addon.useIsa(other);
      const r = model.fusedValueAndGrad!(w, batch)!;
      t.deepEqual(Buffer.from(r.grad.buffer), Buffer.from(runs[0]!.grad.buffer), other);
    }
  } finally {
    addon.setThreads(before);
    addon.useIsa(isa);
    disposeBatch(batch);
  }
});

nativeTest('declines where it does not apply: a tanh layer, another head, the wasm backend', async (t) => {
  await initBackend('native');
  const rng = new Rng(2);
  const mlp = createTanhMlp();
  const mb = randomBatch(rng, 4, [4], 3);
  t.is(mlp.fusedValueAndGrad!(mlp.init(rng), mb), null);
  const regression = sequentialModel({
    name: 'reg',
    inputShape: [4],
    layers: [{ kind: 'dense', name: 'fc', units: 1 }],
    head: { needsTargets: true, loss: (out, y) => tf.squeeze(tf.sub(out, tf.cast(y!, 'float32')), [1]) as tf.Tensor1D },
    init: scaledNormalInit(1),
  });
  t.is(regression.fusedValueAndGrad!(regression.init(rng), mb), null);
  const cnn = createCnn();
  const batch = randomBatch(rng, 3, [28, 28, 1], 10);
  t.not(cnn.fusedValueAndGrad!(cnn.init(rng), batch), null);
  await initBackend('wasm');
  try {
    t.is(cnn.fusedValueAndGrad!(cnn.init(rng), batch), null);
  } finally {
    await initBackend('native');
    disposeBatch(batch);
    disposeBatch(mb);
  }
});

test('the native program encodes the shapes layerShapes inferred: the paper CNN', (t) => {
  const cnn = createCnn();
  const shapes = layerShapes(cnn.name, cnn.inputShape, cnn.layers);
  const program = nativeProgram(cnn.layers, shapes, cnn.params)!;
  const op = (i: number, words: number) => Array.from(program.subarray(6 + 16 * i, 6 + 16 * i + words));
  t.deepEqual(Array.from(program.subarray(0, 6)), [1, 11330, 784, 10, 9, 0]); // flatten has no op
  t.deepEqual(op(0, 11), [1, 28, 28, 1, 5, 5, 10, 24, 24, 0, 0]); // conv1, valid
  t.deepEqual(op(1, 6), [2, 24, 24, 10, 2, 2]);
  t.deepEqual(op(2, 2), [3, 1440]);
  t.deepEqual(op(3, 11), [1, 12, 12, 10, 5, 5, 10, 8, 8, 0, 0]); // conv2
  t.deepEqual(op(6, 3), [5, 160, 50]);
  t.deepEqual(op(8, 3), [5, 50, 10]);
  t.throws(() => nativeProgram(cnn.layers, shapes.slice(1), cnn.params), { message: /10 layers need 11 shapes, got 10/ });
});

nativeTest("the fused path follows the head's declared capability, not the head object", async (t) => {
  await initBackend('native');
  const rng = new Rng(6);
  const withHead = (name: string, head: Parameters<typeof sequentialModel>[0]['head']) =>
    sequentialModel({ name, inputShape: [9, 9, 2], layers: sameNet().layers, head, init: scaledNormalInit(1) });
  const declared = withHead('declared', { ...softmaxCrossEntropyHead }); // a copy: the same capability, another object
  const undeclared = withHead('undeclared', { needsTargets: true, loss: softmaxCrossEntropyHead.loss });
  const batch = randomBatch(rng, 6, [9, 9, 2], 5);
  const w = declared.init(rng);
  t.not(declared.fusedValueAndGrad!(w, batch), null);
  t.is(undeclared.fusedValueAndGrad!(w, batch), null);
  disposeBatch(batch);
});

nativeTest('bad rows, labels and parameter vectors are errors naming what is wrong', async (t) => {
  await initBackend('native');
  const model = createCnn();
  const rng = new Rng(4);
  const batch = randomBatch(rng, 5, [28, 28, 1], 10);
  const w = model.init(rng);
  t.throws(() => model.fusedValueAndGrad!(w, batch, [0, 5]), { message: /row 5 is outside \[0, 5\)/ });
  t.throws(() => model.fusedValueAndGrad!(w, batch, []), { message: /at least one example/ });
  t.throws(() => model.fusedValueAndGrad!(w.subarray(1), batch), { message: /expected a parameter vector of length 11330, got 11329/ });
  const bad = { x: batch.x, y: tf.tensor1d([0, 1, 10, 2, 3], 'int32') };
  t.throws(() => model.fusedValueAndGrad!(w, bad), { message: /label 10 of example 2 is outside \[0, 10\)/ });
  bad.y.dispose();
  disposeBatch(batch);
});
