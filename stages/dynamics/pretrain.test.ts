import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { createTinyConvNet } from '../models/tiny.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { pretrainGd } from './pretrain.ts';

test('full-batch GD fits a small training set, random labels included, and stops there', async (t) => {
  await initBackend('wasm');
  const model = createTinyConvNet();
  const rng = new Rng(4);
  const n = 12;
  const train = {
    x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 36)), [n, 6, 6, 1]),
    y: tf.tensor1d(
      Int32Array.from({ length: n }, () => rng.int(3)),
      'int32',
    ),
  };
  const r = await pretrainGd(model, model.init(rng), train, { lr: 0.5, maxIterations: 3000, targetAccuracy: 1, checkEvery: 10 });
  t.true(r.reached, `accuracy ${r.log.at(-1)!.accuracy} after ${r.iterations}`);
  t.is(r.log.at(-1)!.accuracy, 1);
  t.is(r.iterations % 10, 0);
  const capped = await pretrainGd(model, model.init(rng), train, { lr: 0.5, maxIterations: 5, targetAccuracy: 1, checkEvery: 10 });
  t.is(capped.iterations, 5);
  t.false(capped.reached);
  tf.dispose([train.x, train.y]);
});
