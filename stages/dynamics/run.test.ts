import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { denseHessian } from '../models/curvature.ts';
import { createTinyConvNet } from '../models/tiny.ts';
import { symmetricEigen } from '../numerics/eigen.ts';
import { NOISE_KINDS } from '../noise/registry.ts';
import { testNoise } from '../noise/testing.ts';
import type { NoiseKindName } from '../noise/kind.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { TEST_BACKENDS } from '../tf/testing.ts';
import { dynamicsMetrics } from './progress-metrics.ts';
import { runDynamics, type DynamicsLog, type DynamicsOptions } from './run.ts';

/** wasm, the experiments' backend, and webgpu where an adapter exists. */
const BACKENDS = TEST_BACKENDS.filter((b) => b === 'wasm' || b === 'webgpu');

async function setup(backend: 'wasm' | 'webgpu' = 'wasm') {
  await initBackend(backend);
  const model = createTinyConvNet();
  const rng = new Rng(21);
  const n = 40;
  const train = {
    x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 36)), [n, 6, 6, 1]),
    y: tf.tensor1d(
      Int32Array.from({ length: n }, () => rng.int(3)),
      'int32',
    ),
  };
  const randomized = Uint8Array.from({ length: n }, (_, i) => (i >= 30 ? 1 : 0));
  const w0 = model.init(rng);
  const base = (kind: NoiseKindName, over: Partial<DynamicsOptions> = {}): DynamicsOptions => ({
    model,
    w0,
    train,
    randomized,
    test: train,
    kind,
    noise: testNoise(kind, { sigma: 1e-2, k: 3, rescaleToTrace: false }),
    lr: 0.05,
    batchSize: 5,
    refresh: 3,
    iterations: 7,
    logEvery: 3,
    checkpoints: [0, 7],
    hessian: { tol: 1e-3, tolPairs: 2, maxIter: 60 },
    rng: new Rng(5),
    ...over,
  });
  return { model, base };
}

for (const backend of BACKENDS) {
  test.serial(`[${backend}] every noise kind runs, logs on schedule, keeps checkpoints, and reports its noise trace`, async (t) => {
    const { model, base } = await setup(backend);
    for (const kind of Object.keys(NOISE_KINDS) as NoiseKindName[]) {
      const r = await runDynamics(base(kind));
      t.deepEqual(
        r.log.map((l) => l.iteration),
        [0, 3, 6, 7],
        kind,
      );
      t.deepEqual(
        r.checkpoints.map((c) => c.iteration),
        [0, 7],
        kind,
      );
      t.true(r.log.every((l) => l.cleanAccuracy !== null && l.randomAccuracy !== null && l.testAccuracy !== null));
      const trace = r.log[0]!.noiseTrace;
      if (kind === 'gd' || kind === 'sgd' || NOISE_KINDS[kind].exampleWeights !== undefined) t.is(trace, 0, kind);
      else t.true(trace > 0, `${kind} trace ${trace}`);
      if (kind === 'gld_const') t.true(Math.abs(trace - 1e-4 * model.size) < 1e-9, 'σ²D');
      if (kind === 'gld_hessian' || kind === 'gld_hessian_top1' || kind === 'gld_leading' || kind === 'gld_full')
        t.true(r.refreshes === 3, `${kind}: ${r.refreshes} refreshes`);
    }
  });

  test.serial(`[${backend}] gd is deterministic and differs from sgd; same seed, same noisy run`, async (t) => {
    const { base } = await setup(backend);
    const a = await runDynamics(base('gd'));
    const b = await runDynamics(base('gd', { rng: new Rng(99) }));
    t.deepEqual(Array.from(a.final), Array.from(b.final));
    const s = await runDynamics(base('sgd'));
    t.notDeepEqual(Array.from(s.final), Array.from(a.final));
    const h1 = await runDynamics(base('gld_diag', { rng: new Rng(3) }));
    const h2 = await runDynamics(base('gld_diag', { rng: new Rng(3) }));
    t.deepEqual(Array.from(h1.final), Array.from(h2.final));
  });
}

for (const backend of BACKENDS) {
  test.serial(`[${backend}] the λ_max track measures at 0, every k and the end, matches the dense Hessian, and leaves the run unchanged`, async (t) => {
    const { model, base } = await setup(backend);
    const train = base('gd').train;
    const sharpnessTrack = { every: 3, tol: 1e-4, maxIter: 47, seed: 8 };
    for (const kind of ['sgd', 'gld_hessian'] as NoiseKindName[]) {
      const plain = await runDynamics(base(kind));
      const tracked = await runDynamics(base(kind, { sharpnessTrack }));
      t.deepEqual(Array.from(tracked.final), Array.from(plain.final), `${kind}: the track draws nothing from the run's stream`);
      t.deepEqual(plain.sharpness, []);
      t.deepEqual(
        tracked.sharpness!.map((p) => p.iteration),
        [0, 3, 6, 7],
        kind,
      );
      const exact = symmetricEigen(await denseHessian(model, tracked.final, train), model.size).values[0]!;
      const end = tracked.sharpness!.at(-1)!;
      t.true(end.converged, `${kind}: residual ${end.relativeResidual}`);
      t.true(Math.abs(end.lambdaMax - exact) <= 1e-4 * Math.abs(exact) + 1e-5, `${kind}: λ_max ${end.lambdaMax} against dense ${exact}`);
    }
  });
}

test.serial('progress after every iteration carries the latest log row, which the stages show as loss and test acc', async (t) => {
  const { base } = await setup();
  const seen: { done: number; latest: DynamicsLog | undefined }[] = [];
  const r = await runDynamics(base('sgd', { onProgress: (done, _total, latest) => seen.push({ done, latest }) }));
  t.deepEqual(
    seen.map((s) => s.done),
    [1, 2, 3, 4, 5, 6, 7],
  );
  // logged at 0, 3, 6, 7: after iteration t the latest row is the last one logged at or before t
  t.deepEqual(
    seen.map((s) => s.latest?.iteration),
    [0, 0, 3, 3, 3, 6, 7],
  );
  for (const s of seen)
    t.is(
      s.latest,
      r.log.find((l) => l.iteration === s.latest!.iteration),
    );
  const last = r.log.at(-1)!;
  t.deepEqual(dynamicsMetrics(last), [
    { name: 'trainLoss', label: 'loss', value: last.trainLoss },
    { name: 'testAccuracy', label: 'test acc', value: last.testAccuracy!, format: 'percent' },
  ]);
  t.deepEqual(dynamicsMetrics({ ...last, testAccuracy: null }), [{ name: 'trainLoss', label: 'loss', value: last.trainLoss }], 'no test set, no test acc');
  t.deepEqual(dynamicsMetrics(undefined), []);
});

test.serial('a diverging run fails naming the iteration', async (t) => {
  const { base } = await setup();
  await t.throwsAsync(runDynamics(base('gd', { lr: 1e30, iterations: 5 })), { message: /gd diverged at iteration \d/ });
});

test.serial('noiseSteps=refresh adds noise only on refresh steps: the rest is exactly GD', async (t) => {
  const { base } = await setup();
  // One refresh (at step 1) in 4 steps: after step 1 the run must be plain GD from the step-1 weights.
  const once = await runDynamics(base('gld_leading', { refresh: 100, iterations: 4, checkpoints: [1, 4], noiseSteps: 'refresh' }));
  const gd = await runDynamics(base('gd', { w0: once.checkpoints[0]!.w, iterations: 3, checkpoints: [3] }));
  t.deepEqual(Array.from(once.final), Array.from(gd.final));
  const every = await runDynamics(base('gld_leading', { refresh: 100, iterations: 4, checkpoints: [1, 4] }));
  t.deepEqual(Array.from(every.checkpoints[0]!.w), Array.from(once.checkpoints[0]!.w), 'the refresh step is the same');
  t.notDeepEqual(Array.from(every.final), Array.from(once.final));
});

test.serial('gld_hessian_top1 can find u₁ by power steps; the power method refuses kinds that need k > 1', async (t) => {
  const { base } = await setup();
  const r = await runDynamics(base('gld_hessian_top1', { refresh: 1, iterations: 3, hessianEigvec: { method: 'power', iterations: 5 } }));
  t.deepEqual(
    r.hessianRefreshes.map((x) => x.hvps),
    [5, 5, 5],
  );
  t.is(r.hessianHvps, 15);
  await t.throwsAsync(runDynamics(base('gld_hessian', { hessianEigvec: { method: 'power', iterations: 5 } })), {
    message: /the power method finds one eigenvector, the kind needs 3/,
  });
});
