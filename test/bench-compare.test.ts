/**
 * The correctness half of `npm run bench -- compare`: on 8 seeded random images, tfjs (wasm) and the PyTorch
 * reference bench/torch_cnn.py compute the same loss, gradient and Hessian-vector product of the paper's CNN from the
 * same flat weights (relative difference ≤ 1e-5 in float64). Skipped, with the reason, when Debian's
 * `/usr/bin/python3` cannot import torch (package python3-torch). No timing is asserted.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CHECK_TOLERANCE, checkAgainstTorch, runTorch, torchAvailability, writeExchange } from '../bench/compare.ts';
import { readExchange } from '../bench/compare-sgd.ts';
import { createCnn } from '../stages/models/cnn.ts';
import { valueAndGradRead } from '../stages/models/curvature.ts';
import { Rng } from '../stages/numerics/random.ts';
import { initBackend } from '../stages/tf/backend.ts';

const torch = torchAvailability();

test.serial('tfjs and torch agree on the CNN loss, gradient and HVP (8 images)', async (t) => {
  if (!torch.ok) {
    t.log(`skipped: ${torch.reason}`);
    t.pass();
    return;
  }
  await initBackend('wasm');
  const model = createCnn();
  const rng = new Rng(12);
  const n = 8;
  const x = rng.fillNormal(new Float32Array(n * 784));
  const y = Int32Array.from({ length: n }, (_, i) => i % 10);
  const batch = { x: tf.tensor4d(x, [n, 28, 28, 1]), y: tf.tensor1d(y, 'int32') };
  const w = model.init(rng);
  for (let i = 0; i < 5; i++) {
    // a few GD steps off the near-zero initialisation, so the curvature is not trivially small
    const { grad } = await valueAndGradRead(model, w, batch);
    for (let j = 0; j < w.length; j++) w[j] = w[j]! - 0.5 * grad[j]!;
  }
  const v = rng.fillNormal(new Float32Array(model.size));
  const dir = mkdtempSync(path.join(tmpdir(), 'sgd-noise-compare-test-'));
  try {
    writeExchange(dir, model, {
      w: { data: w, shape: [model.size] },
      v: { data: v, shape: [model.size] },
      x_train: { data: x, shape: [n, 28, 28, 1] },
      y_train: { data: y, shape: [n] },
    });
    const check = await checkAgainstTorch(dir, model, w, batch, v);
    t.log(
      `relative differences: loss ${check.loss.relativeDifference.toExponential(2)}, gradient ${check.gradient.relativeDifference.toExponential(2)}, ` +
        `HVP ${check.hvp.relativeDifference.toExponential(2)}, HVP (reused pass) ${check.hvpReusedPass.relativeDifference.toExponential(2)} (torch ${torch.version})`,
    );
    t.deepEqual(check.failures, []);
    t.true(check.gradient.torchNorm > 0 && check.hvp.torchNorm > 0, 'gradient and HVP are not zero');
    for (const e of [check.loss, check.gradient, check.hvp, check.hvpReusedPass]) t.true(e.relativeDifference <= CHECK_TOLERANCE);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    tf.dispose([batch.x, batch.y]);
  }
});

test.serial('a wrong parameter layout makes torch_cnn.py fail loudly', async (t) => {
  if (!torch.ok) {
    t.log(`skipped: ${torch.reason}`);
    t.pass();
    return;
  }
  const model = createCnn();
  const wrong = { ...model, params: model.params.map((p, i) => (i === 0 ? { ...p, shape: [10, 1, 5, 5] } : p)) };
  const dir = mkdtempSync(path.join(tmpdir(), 'sgd-noise-compare-test-'));
  try {
    writeExchange(dir, wrong, { w: { data: new Float32Array(model.size), shape: [model.size] } });
    const err = t.throws(() => runTorch(dir, 'check', 1));
    t.regex(err!.message, /parameter layout/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without torch the check says why and how to get it', (t) => {
  const missing = torchAvailability('/nonexistent/python3');
  t.false(missing.ok);
  t.regex(missing.ok ? '' : missing.reason, /\/nonexistent\/python3 could not be run .*python3-torch/);
  const failing = torchAvailability('/bin/false'); // runs, exits 1: as a Python without torch does
  t.false(failing.ok);
  t.regex(failing.ok ? '' : failing.reason, /import torch.*failed \(exit 1\).*python3-torch/);
});

test('readExchange gives back every array writeExchange wrote, with its dtype, and the settings', (t) => {
  const model = createCnn();
  const dir = mkdtempSync(path.join(tmpdir(), 'sgd-noise-exchange-'));
  try {
    const f32 = Float32Array.from([1.5, -2, 3.25]);
    const f64 = Float64Array.from([Math.PI, -Math.E]);
    const i32 = Int32Array.from([7, -8, 9, 10, 11]);
    writeExchange(dir, model, { a: { data: f32, shape: [3] }, b: { data: f64, shape: [2, 1] }, c: { data: i32, shape: [5] } }, { reps: 3 });
    const { arrays, settings } = readExchange(dir);
    t.deepEqual(arrays.a, f32);
    t.deepEqual(arrays.b, f64);
    t.deepEqual(arrays.c, i32);
    t.deepEqual(settings, { reps: 3 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
