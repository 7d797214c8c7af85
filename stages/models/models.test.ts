/**
 * Model definitions: parameter counts and layouts (paper CNN D = 11,330, VGG11 D = 9,750,922), initialisers,
 * batch validation, the registry, and a full-width VGG11 forward + gradient on two images.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { CNN_SIZE, createCnn } from './cnn.ts';
import { valueAndGrad } from './curvature.ts';
import { layoutParams, unflatten } from './model.ts';
import { createModel, MODELS } from './registry.ts';
import { createVgg11, VGG11_SIZE } from './vgg.ts';

test('paper CNN: D = 11,330 with the expected blocks; every entry ~ normal(0, 0.02) truncated at 2 std', (t) => {
  const model = createCnn();
  t.is(model.size, CNN_SIZE);
  t.is(model.size, 11_330);
  t.deepEqual(
    model.params.map((p) => `${p.name}:${p.shape.join('x')}`),
    [
      'conv1.weight:5x5x1x10',
      'conv1.bias:10',
      'conv2.weight:5x5x10x10',
      'conv2.bias:10',
      'fc1.weight:160x50',
      'fc1.bias:50',
      'fc2.weight:50x10',
      'fc2.bias:10',
    ],
  );
  const w = model.init(new Rng(1));
  let max = 0;
  let ss = 0;
  for (const v of w) {
    max = Math.max(max, Math.abs(v));
    ss += v * v;
  }
  t.true(max <= 0.04 + 1e-7, 'truncated at 2 std');
  const std = Math.sqrt(ss / w.length);
  t.true(Math.abs(std - 0.02 * 0.8796) < 0.0005, `std ${std} (a 2-std truncated normal has std 0.8796σ)`);
  t.true(
    w.every((v) => v !== 0),
    'biases are random too',
  );
  t.deepEqual(model.init(new Rng(1)), w, 'deterministic');
});

test('VGG11: D = 9,750,922 at full width; conv weights N(0, 2/(9·out)), conv biases 0, dense uniform ±1/√fan_in', (t) => {
  const model = createVgg11();
  t.is(model.size, VGG11_SIZE);
  t.is(model.size, 9_750_922);
  t.is(model.params.length, 2 * (8 + 3));
  t.deepEqual(
    model.params.filter((p) => p.name.endsWith('.weight')).map((p) => p.shape.join('x')),
    ['3x3x3x64', '3x3x64x128', '3x3x128x256', '3x3x256x256', '3x3x256x512', '3x3x512x512', '3x3x512x512', '3x3x512x512', '512x512', '512x512', '512x10'],
  );
  const small = createVgg11({ width: 1 / 8 });
  const w = small.init(new Rng(2));
  for (const p of small.params) {
    const block = w.subarray(p.offset, p.offset + p.size);
    const isConv = p.name.startsWith('conv');
    if (isConv && p.name.endsWith('.bias'))
      t.true(
        block.every((v) => v === 0),
        `${p.name} is zero`,
      );
    else if (isConv) {
      const std = Math.sqrt(block.reduce((a, v) => a + v * v, 0) / block.length);
      const expected = Math.sqrt(2 / (9 * p.shape[3]!));
      t.true(Math.abs(std / expected - 1) < 0.2, `${p.name}: std ${std} vs ${expected}`);
    } else {
      const fanIn = p.name.endsWith('.bias') ? small.params.find((q) => q.name === p.name.replace('bias', 'weight'))!.shape[0]! : p.shape[0]!;
      t.true(
        block.every((v) => Math.abs(v) <= 1 / Math.sqrt(fanIn)),
        `${p.name} within ±1/√${fanIn}`,
      );
    }
  }
  t.is(small.name, 'vgg11-w0.125');
  t.throws(() => createVgg11({ width: 0 }), { message: /width must be positive/ });
});

test.serial('full-width VGG11: forward and gradient on 2 images (wasm)', async (t) => {
  await initBackend('wasm');
  const model = createVgg11();
  const rng = new Rng(3);
  const w = model.init(rng);
  const batch = { x: tf.tensor4d(rng.fillNormal(new Float32Array(2 * 32 * 32 * 3)), [2, 32, 32, 3]), y: tf.tensor1d([3, 7], 'int32') };
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const { value, grad } = valueAndGrad(model, w, batch);
  const loss = value.dataSync()[0]!;
  const g = grad.dataSync();
  t.log(`value + gradient of VGG11 on 2 images: ${(performance.now() - t0).toFixed(0)} ms; loss ${loss.toFixed(4)}`);
  t.true(Number.isFinite(loss) && Math.abs(loss - Math.log(10)) < 1, 'initial loss near log 10');
  t.is(g.length, VGG11_SIZE);
  let nonzero = 0;
  for (const v of g) if (v !== 0 && Number.isFinite(v)) nonzero++;
  t.true(nonzero > 0.3 * g.length, `${nonzero} non-zero gradient entries`);
  for (const p of model.params)
    t.true(
      g.subarray(p.offset, p.offset + p.size).some((v) => v !== 0),
      `${p.name} gets a gradient`,
    );
  tf.dispose([value, grad]);
  t.is(tf.memory().numTensors, before);
  tf.dispose([batch.x, batch.y]);
});

test('layoutParams and unflatten: blocks cover [0, D) in order; wrong lengths are rejected', async (t) => {
  await initBackend('wasm');
  const params = layoutParams([
    { name: 'a', shape: [2, 3] },
    { name: 'b', shape: [4] },
  ]);
  t.deepEqual(
    params.map((p) => [p.offset, p.size]),
    [
      [0, 6],
      [6, 4],
    ],
  );
  const parts = unflatten(tf.range(0, 10) as tf.Tensor1D, params);
  t.deepEqual(
    parts.map((p) => p.shape),
    [[2, 3], [4]],
  );
  t.deepEqual(Array.from(parts[1]!.dataSync()), [6, 7, 8, 9]);
  t.throws(() => unflatten(tf.zeros([9]) as tf.Tensor1D, params), { message: /length 10, got shape \[9\]/ });
});

test('models check their batches and name the problem', async (t) => {
  await initBackend('wasm');
  const model = createCnn();
  const w = tf.zeros([model.size]) as tf.Tensor1D;
  t.throws(() => model.loss(w, { x: tf.zeros([2, 28, 28, 3]), y: tf.zeros([2], 'int32') }), {
    message: /cnn: batch.x has shape \[2,28,28,3\], expected \[n, 28, 28, 1\]/,
  });
  t.throws(() => model.loss(w, { x: tf.zeros([2, 28, 28, 1]) }), { message: /batch.y \(targets\) is required/ });
  t.throws(() => model.loss(tf.zeros([5]) as tf.Tensor1D, { x: tf.zeros([2, 28, 28, 1]), y: tf.zeros([2], 'int32') }), { message: /11330/ });
});

test('registry: every model by name; unknown names list the known ones', (t) => {
  t.deepEqual(Object.keys(MODELS).sort(), ['cnn', 'onehidden', 'tanh-mlp', 'tiny-conv', 'toy2d', 'vgg11']);
  t.is(createModel('onehidden').size, 300);
  t.throws(() => createModel('resnet'), { message: /unknown model 'resnet'; known: toy2d, onehidden, cnn/ });
});
