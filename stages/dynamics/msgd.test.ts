/** The M-SGD kinds in the dynamics loop: at m = N they are plain GD; at m < N every step is a fresh weighted gradient. */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { createTinyConvNet } from '../models/tiny.ts';
import { weightedValueAndGrad } from '../models/curvature.ts';
import { NOISE_KINDS } from '../noise/registry.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { readF64, TEST_BACKENDS } from '../tf/testing.ts';
import { runDynamics, type DynamicsOptions } from './run.ts';

const MSGD = ['msgd_gaussian', 'msgd_bernoulli'] as const;
const BACKENDS = TEST_BACKENDS.filter((b) => b !== 'cpu');

async function setup(backend: (typeof BACKENDS)[number]) {
  await initBackend(backend);
  const model = createTinyConvNet();
  const rng = new Rng(31);
  const n = 30;
  const train = {
    x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 36)), [n, 6, 6, 1]),
    y: tf.tensor1d(
      Int32Array.from({ length: n }, () => rng.int(3)),
      'int32',
    ),
  };
  const w0 = model.init(rng);
  const base = (kind: DynamicsOptions['kind'], over: Partial<DynamicsOptions> = {}): DynamicsOptions => ({
    model,
    w0,
    train,
    kind,
    noise: {},
    lr: 0.1,
    batchSize: 5,
    refresh: 1,
    iterations: 6,
    logEvery: 3,
    checkpoints: [],
    hessian: { tol: 1e-3, tolPairs: 1, maxIter: 10 },
    rng: new Rng(7),
    ...over,
  });
  return { model, train, w0, n, base, dispose: () => tf.dispose([train.x, train.y]) };
}

for (const backend of BACKENDS) {
  test.serial(`[${backend}] M-SGD with m = N is plain GD (to float32 rounding), and logs no noise trace`, async (t) => {
    const { base, n, dispose } = await setup(backend);
    const gd = await runDynamics(base('gd'));
    for (const kind of MSGD) {
      const r = await runDynamics(base(kind, { batchSize: n }));
      const err = Math.max(...r.final.map((x, i) => Math.abs(x - gd.final[i]!)));
      const scale = Math.max(...gd.final.map(Math.abs));
      t.true(err <= 1e-6 * scale, `${kind}: max |θ − θ_gd| = ${err} (scale ${scale})`);
      t.log(`${kind} at m = N: max |θ − θ_GD| = ${err.toExponential(2)}${err === 0 ? ' (bit-for-bit)' : ''}`);
      t.deepEqual(
        r.log.map((l) => l.noiseTrace),
        [0, 0, 0],
      );
      t.is(r.refreshes, 0);
    }
    dispose();
  });

  test.serial(`[${backend}] an M-SGD step is θ − η·∇ of the loss weighted by the kind's own draw from the run's random stream`, async (t) => {
    const { base, model, train, w0, n, dispose } = await setup(backend);
    for (const kind of MSGD) {
      const r = await runDynamics(base(kind, { iterations: 1, logEvery: 1 }));
      // the same draw, replayed from the same seed after the HessianTracker's one uint32 (run.ts takes it first)
      const rng = new Rng(7);
      rng.nextUint32();
      const weights = NOISE_KINDS[kind].exampleWeights!.draw(rng, 5, new Float64Array(n));
      const { value, grad } = weightedValueAndGrad(model, w0, train, weights);
      const g = await readF64(grad);
      tf.dispose([value, grad]);
      const err = Math.max(...r.final.map((x, i) => Math.abs(x - (w0[i]! - 0.1 * g[i]!))));
      t.true(err <= 1e-6, `${kind}: ${err}`);
      const gdStep = await runDynamics(base('gd', { iterations: 1, logEvery: 1 }));
      t.true(Math.max(...r.final.map((x, i) => Math.abs(x - gdStep.final[i]!))) > 1e-4, `${kind} at m < N differs from GD`);
    }
    dispose();
  });
}
