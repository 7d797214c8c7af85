/** devicePowerIteration on every test backend against the host powerIteration, with no D-length read per step and no leaks. */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../tf/backend.ts';
import { countingReads, TEST_BACKENDS } from '../tf/testing.ts';
import { denseDeviceOperator } from './device-operator.ts';
import { devicePowerIteration } from './device-power.ts';
import { randomSymmetric } from './testing.ts';
import { denseOperator } from './operator.ts';
import { powerIteration } from './power.ts';
import { Rng } from './random.ts';
import { dot } from './vector.ts';

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] device power iteration follows the host one (float32: 1e-5 relative)`, async (t) => {
    await initBackend(backend);
    const n = 120;
    const rng = new Rng(3);
    const { matrix } = randomSymmetric(
      Array.from({ length: n }, (_, i) => 3 * Math.pow(0.8, i)),
      rng,
    );
    const start = Float64Array.from({ length: n }, () => rng.uniform());
    const op = denseDeviceOperator(matrix, n);
    const before = tf.memory().numTensors;
    try {
      const { result: device, reads } = await countingReads(() => devicePowerIteration(op, 30, start));
      const host = await powerIteration(denseOperator(matrix, n), 30, start);
      t.deepEqual(reads, [...Array.from({ length: 30 }, () => 3), n], 'three numbers per step, the vector once');
      t.is(device.matvecs, 30);
      t.true(Math.abs(device.value - host.value) <= 1e-5 * Math.abs(host.value), `${device.value} vs ${host.value}`);
      t.true(
        Math.abs(device.relativeResidual - host.relativeResidual) <= 1e-5 + 1e-2 * host.relativeResidual,
        `${device.relativeResidual} vs ${host.relativeResidual}`,
      );
      t.true(Math.abs(dot(device.vector, host.vector) - 1) < 1e-5);
      t.is(tf.memory().numTensors, before);
      await t.throwsAsync(devicePowerIteration(op, 3, new Float64Array(n)), { message: 'powerIteration: start vector is zero' });
    } finally {
      op.dispose();
    }
  });
}
