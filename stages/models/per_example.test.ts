/**
 * Batched per-example gradients (one backward pass) against the oracle — a loop of batch-1 gradients — for every
 * model kind, on wasm and cpu; their mean against the full-batch gradient; chunking; no leaks.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { readF64, relErr, TEST_BACKENDS } from '../tf/testing.ts';
import { createCnn } from './cnn.ts';
import { perExampleGradients, perExampleGradientsLoop, valueAndGrad } from './curvature.ts';
import type { Batch, FlatModel } from './model.ts';
import { createOneHidden } from './onehidden.ts';
import { createTanhMlp, createTinyConvNet } from './tiny.ts';
import { createToy2d, toy2dBatch } from './toy2d.ts';
import { createVgg11 } from './vgg.ts';

interface Row {
  readonly id: string;
  readonly model: () => FlatModel;
  readonly batch: (rng: Rng) => Batch;
}

const images = (rng: Rng, n: number, shape: number[], classes: number): Batch => ({
  x: tf.tensor(rng.fillNormal(new Float32Array(n * shape.reduce((a, b) => a * b, 1))), [n, ...shape]),
  y: tf.tensor1d(
    Int32Array.from({ length: n }, () => rng.int(classes)),
    'int32',
  ),
});

const rows: Row[] = [
  { id: 'toy2d', model: createToy2d, batch: (rng) => toy2dBatch(rng, 10) },
  { id: 'tanh MLP', model: createTanhMlp, batch: (rng) => images(rng, 7, [4], 3) },
  {
    id: 'onehidden',
    model: createOneHidden,
    batch: (rng) => ({ x: tf.tensor2d(rng.fillNormal(new Float32Array(20)), [10, 2]), y: tf.tensor1d(Float32Array.from({ length: 10 }, () => rng.int(2))) }),
  },
  { id: 'tiny conv net', model: createTinyConvNet, batch: (rng) => images(rng, 6, [6, 6, 1], 3) },
  { id: 'paper CNN', model: createCnn, batch: (rng) => images(rng, 4, [28, 28, 1], 10) },
  { id: 'VGG11 at width 1/16', model: () => createVgg11({ width: 1 / 16 }), batch: (rng) => images(rng, 3, [32, 32, 3], 10) },
];

for (const backend of TEST_BACKENDS) {
  for (const row of rows) {
    test.serial(`[${backend}] ${row.id}: batched per-example gradients equal a loop of batch-1 gradients`, async (t) => {
      await initBackend(backend);
      const model = row.model();
      const rng = new Rng(51);
      const batch = row.batch(rng);
      const n = batch.x.shape[0]!;
      // a random, not too small parameter vector (toy2d: near the sharp basin)
      const w = model.name === 'toy2d' ? Float32Array.from([1.01, 0.98]) : model.init(rng);
      const before = tf.memory().numTensors;
      const fast = perExampleGradients(model, w, batch);
      t.deepEqual(fast.shape, [n, model.size]);
      const oracle = perExampleGradientsLoop(model, w, batch);
      const fastValues = await readF64(fast);
      const err = relErr(fastValues, await readF64(oracle));
      t.true(err < 1e-4, `rel err ${err.toExponential(2)}`);
      const { value, grad } = valueAndGrad(model, w, batch);
      const mean = tf.mean(fast, 0);
      t.true(relErr(await readF64(mean), await readF64(grad)) < 1e-4, 'mean of per-example gradients = full-batch gradient');
      const chunked = perExampleGradients(model, w, batch, { chunkSize: 2 });
      t.true(relErr(await readF64(chunked), fastValues) < 1e-5, 'chunking does not change the result');
      tf.dispose([fast, oracle, value, grad, mean, chunked]);
      t.is(tf.memory().numTensors, before, 'no leaked tensors');
      tf.dispose(batch.y ? [batch.x, batch.y] : [batch.x]);
    });
  }
}
