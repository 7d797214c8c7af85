/**
 * Device noise (stages/noise/device.ts) against the CPU sampler: from the same random stream a device draw is the
 * same Gaussian vector as `sampleShape`'s, up to float32 rounding, for every shape, also when a low-rank factor is
 * split into column blocks to fit the adapter's binding limit; and drawing leaks no tensors.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { readFloat32 } from '../tf/read.ts';
import { relErr, TEST_BACKENDS } from '../tf/testing.ts';
import { deviceNoise } from './device.ts';
import { sampleShape, type NoiseShape } from './shape.ts';

const D = 37;
const rng = new Rng(3);
const SHAPES: readonly NoiseShape[] = [
  { type: 'zero', size: D },
  { type: 'isotropic', size: D, variance: 0.3 },
  { type: 'diagonal', size: D, variances: Float64Array.from({ length: D }, (_, i) => 0.01 * (i + 1)) },
  { type: 'lowRank', size: D, rows: Array.from({ length: 5 }, () => rng.fillNormal(new Float64Array(D))) },
];

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] a device draw equals sampleShape's from the same stream (float32, ≤ 1e-6 relative)`, async (t) => {
    await initBackend(backend);
    for (const shape of SHAPES) {
      for (const maxBytes of [Infinity, 4 * 5 * 8]) {
        const before = tf.memory().numTensors;
        const noise = deviceNoise(shape, maxBytes);
        const cpuRng = new Rng(11);
        const devRng = new Rng(11);
        for (let draw = 0; draw < 3; draw++) {
          const want = sampleShape(shape, cpuRng, new Float64Array(D));
          const got = noise.sample(devRng);
          if (shape.type === 'zero') {
            t.is(got, null);
            continue;
          }
          const values = await readFloat32(got!);
          got!.dispose();
          t.true(relErr(values, want) < 1e-6, `${shape.type}, maxBytes ${maxBytes}, draw ${draw}: ${relErr(values, want)}`);
        }
        t.is(devRng.nextUint32(), cpuRng.nextUint32(), `${shape.type}: the stream is consumed as sampleShape consumes it`);
        noise.dispose();
        t.is(tf.memory().numTensors, before, `${shape.type}: no tensor leaked`);
      }
    }
  });
}
