/**
 * The GPU-resident dynamics loop (device-loop.ts, what runDynamics runs on webgpu) against the CPU loop: the same
 * logs and checkpoints, the same trajectory up to float32 rounding, the same diverging iteration, and a tensor
 * count and byte count that stay flat over 1000 iterations (nothing accumulates on the device). webgpu only; skipped
 * with the reason where no adapter exists (stages/tf/webgpu.test.ts fails on CI instead).
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { createTinyConvNet } from '../models/tiny.ts';
import type { Batch } from '../models/model.ts';
import type { NoiseKindName } from '../noise/kind.ts';
import { NOISE_KINDS } from '../noise/registry.ts';
import { testNoise } from '../noise/testing.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { relErr, WEBGPU_TESTS } from '../tf/testing.ts';
import { runDynamics, type DynamicsOptions } from './run.ts';

const gpuTest = WEBGPU_TESTS.ok ? test.serial : test.serial.skip;
if (!WEBGPU_TESTS.ok) console.log(`device-loop tests skipped: ${WEBGPU_TESTS.reason}`);

const model = createTinyConvNet();

/** The same data on whichever backend is active (tensors are per backend). */
function data(): { train: Batch; randomized: Uint8Array; w0: Float32Array } {
  const rng = new Rng(21);
  const n = 40;
  const train = {
    x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 36)), [n, 6, 6, 1]),
    y: tf.tensor1d(
      Int32Array.from({ length: n }, () => rng.int(3)),
      'int32',
    ),
  };
  return { train, randomized: Uint8Array.from({ length: n }, (_, i) => (i >= 30 ? 1 : 0)), w0: model.init(rng) };
}

function options(kind: NoiseKindName, d: ReturnType<typeof data>, over: Partial<DynamicsOptions> = {}): DynamicsOptions {
  return {
    model,
    w0: d.w0,
    train: d.train,
    randomized: d.randomized,
    test: d.train,
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
  };
}

async function on(backend: 'cpu' | 'webgpu', kind: NoiseKindName, over: Partial<DynamicsOptions> = {}) {
  await initBackend(backend);
  const d = data();
  try {
    return await runDynamics(options(kind, d, over));
  } finally {
    tf.dispose([d.train.x, d.train.y!]);
  }
}

gpuTest("every kind runs on the device with the CPU loop's logs, checkpoints and refreshes", async (t) => {
  for (const kind of Object.keys(NOISE_KINDS) as NoiseKindName[]) {
    const gpu = await on('webgpu', kind);
    const cpu = await on('cpu', kind);
    t.deepEqual(
      gpu.log.map((l) => l.iteration),
      cpu.log.map((l) => l.iteration),
      kind,
    );
    t.deepEqual(
      gpu.checkpoints.map((c) => c.iteration),
      cpu.checkpoints.map((c) => c.iteration),
      kind,
    );
    t.is(gpu.refreshes, cpu.refreshes, kind);
    t.true(
      Math.abs(gpu.log[0]!.noiseTrace - cpu.log[0]!.noiseTrace) <= 1e-4 * cpu.log[0]!.noiseTrace + 1e-12,
      `${kind}: Tr Σ ${gpu.log[0]!.noiseTrace} vs ${cpu.log[0]!.noiseTrace}`,
    );
  }
});

gpuTest('gd, sgd, gld_const and the M-SGD kinds follow the CPU trajectory (float32 rounding only: ≤ 1e-4 relative after 7 steps)', async (t) => {
  for (const kind of ['gd', 'sgd', 'gld_const', 'msgd_gaussian', 'msgd_bernoulli'] as const) {
    const gpu = await on('webgpu', kind);
    const cpu = await on('cpu', kind);
    const err = relErr(gpu.final, cpu.final);
    t.log(`${kind}: final θ relative difference ${err.toExponential(2)}; train loss ${gpu.log.at(-1)!.trainLoss} vs ${cpu.log.at(-1)!.trainLoss}`);
    t.true(err < 1e-4, `${kind}: ${err}`);
    t.true(Math.abs(gpu.log.at(-1)!.trainLoss - cpu.log.at(-1)!.trainLoss) < 1e-4, kind);
  }
});

gpuTest('a diverging run fails naming the same iteration as on the CPU', async (t) => {
  const over = { lr: 1e6, iterations: 40, logEvery: 20, checkpoints: [] };
  const gpu = await t.throwsAsync(() => on('webgpu', 'gd', over));
  const cpu = await t.throwsAsync(() => on('cpu', 'gd', over));
  t.log(`webgpu: ${gpu!.message}; cpu: ${cpu!.message}`);
  const at = (m: string) => /diverged at iteration (\d+)/.exec(m)?.[1];
  t.truthy(at(gpu!.message));
  t.is(at(gpu!.message), at(cpu!.message));
});

gpuTest('1000 iterations leave the live tensor count and bytes flat', async (t) => {
  await initBackend('webgpu');
  const d = data();
  const seen: { t: number; tensors: number; bytes: number }[] = [];
  try {
    for (const kind of ['sgd', 'gld_diag'] as const) {
      seen.length = 0;
      await runDynamics(
        options(kind, d, {
          iterations: 1000,
          logEvery: 250,
          refresh: 100,
          checkpoints: [500],
          onProgress: (done) => {
            if (done === 100 || done === 1000) seen.push({ t: done, tensors: tf.memory().numTensors, bytes: tf.memory().numBytes });
          },
        }),
      );
      t.log(kind, JSON.stringify(seen));
      t.is(seen.length, 2);
      t.is(seen[1]!.tensors, seen[0]!.tensors, `${kind}: tensors at 100 and 1000`);
      t.is(seen[1]!.bytes, seen[0]!.bytes, `${kind}: bytes at 100 and 1000`);
    }
  } finally {
    tf.dispose([d.train.x, d.train.y!]);
  }
});
