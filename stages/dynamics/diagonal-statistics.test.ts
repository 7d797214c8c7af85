import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { minibatchValueAndGrad } from '../models/curvature.ts';
import { createTinyConvNet } from '../models/tiny.ts';
import { NO_NEEDS } from '../noise/kind.ts';
import { NOISE_KINDS } from '../noise/registry.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { readF64, TEST_BACKENDS } from '../tf/testing.ts';
import { diagonalMinibatchStats } from './diagonal-statistics.ts';

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] diag Σ equals the per-coordinate sample variance (1/(B−1)) of the same minibatch gradients`, async (t) => {
    await initBackend(backend);
    const model = createTinyConvNet();
    const rng = new Rng(8);
    const n = 30;
    const train = {
      x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 36)), [n, 6, 6, 1]),
      y: tf.tensor1d(
        Int32Array.from({ length: n }, () => rng.int(3)),
        'int32',
      ),
    };
    const w = model.init(rng);
    const needs = { ...NO_NEEDS, covarianceTrace: true, covarianceDiagonal: true };
    const stats = await diagonalMinibatchStats(model, w, train, needs, { kind: 'gld_diag', batchSize: 5, batches: 7, rng: new Rng(1) });
    // Reference: the same 7 minibatches (same rng stream), variance computed two-pass in float64.
    const ref = new Rng(1);
    const grads: Float64Array[] = [];
    for (let b = 0; b < 7; b++) {
      const { value, grad } = minibatchValueAndGrad(model, w, train, ref.permutation(n).subarray(0, 5));
      grads.push(await readF64(grad));
      tf.dispose([value, grad]);
    }
    let trace = 0;
    for (let i = 0; i < model.size; i++) {
      const mean = grads.reduce((a, g) => a + g[i]!, 0) / 7;
      const v = grads.reduce((a, g) => a + (g[i]! - mean) ** 2, 0) / 6;
      t.true(Math.abs(stats.covarianceDiagonal![i]! - v) <= 1e-9 + 1e-6 * v, `coordinate ${i}`);
      trace += v;
    }
    t.true(Math.abs(stats.covarianceTrace! - trace) <= 1e-6 * trace);
    await t.throwsAsync(diagonalMinibatchStats(model, w, train, { ...NO_NEEDS, hessianTopK: 1 }, { kind: 'gld_hessian_top1', batchSize: 5, batches: 7, rng }), {
      message: /gld_hessian_top1 needs eigenpairs/,
    });
    await t.throwsAsync(diagonalMinibatchStats(model, w, train, NOISE_KINDS.gld_full.needs({}), { kind: 'gld_full', batchSize: 5, batches: 7, rng }), {
      message: /gld_full needs eigenpairs of Σ or H or Σ's factor/,
    });
    tf.dispose([train.x, train.y]);
  });
}
