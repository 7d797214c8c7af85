import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { createCnn } from './cnn.ts';
import type { FlatModel } from './model.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { readF64, TEST_BACKENDS } from '../tf/testing.ts';
import { evaluateClassifier } from './evaluate.ts';

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] one forward pass per chunk gives exactly what separate loss and prediction passes give`, async (t) => {
    await initBackend(backend);
    const model = createCnn();
    const rng = new Rng(5);
    const n = 50;
    const batch = {
      x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 784)), [n, 28, 28, 1]),
      y: tf.tensor1d(
        Int32Array.from({ length: n }, () => rng.int(10)),
        'int32',
      ),
    };
    const w = model.init(rng);
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * 20; // far from uniform predictions, so accuracy is informative
    const groups = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    // The same model without the fused method: evaluation falls back to perExampleLoss + predict.
    const separate: FlatModel = { ...model, lossAndPrediction: undefined };
    for (const chunk of [n, 16]) {
      const fused = await evaluateClassifier(model, w, batch, { chunk, groups });
      const plain = await evaluateClassifier(separate, w, batch, { chunk, groups });
      t.deepEqual(fused, plain, `chunk ${chunk}`);
    }
    // An independent reference: mean of the per-example losses and argmax of the logits.
    const wt = tf.tensor1d(w);
    const lossT = model.perExampleLoss(wt, batch);
    const predT = tf.tidy(() => tf.argMax(model.predict(wt, batch.x), 1));
    const losses = await readF64(lossT);
    const pred = await readF64(predT);
    const labels = await readF64(batch.y);
    const e = await evaluateClassifier(model, w, batch, { chunk: n });
    t.true(Math.abs(e.loss - losses.reduce((a, b) => a + b, 0) / n) < 1e-6);
    t.is(e.accuracy, pred.filter((p, i) => p === labels[i]).length / n);
    tf.dispose([wt, lossT, predT, batch.x, batch.y]);
  });
}
