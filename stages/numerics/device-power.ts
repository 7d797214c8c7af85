/**
 * Power iteration with the iterate on the tfjs backend: the steps of `powerIteration` (power.ts) on float32 tensors,
 * reading three numbers per step (vᵀAv, ‖Av − θv‖, ‖Av‖) and the final vector once. What gld_hessian_top1's power
 * method uses on webgpu (`powerIterationOnBackend`).
 */
import { tf } from '../tf/tfjs.ts';
import type { Tensor1D } from '@tensorflow/tfjs';
import { readFloat32 } from '../tf/read.ts';
import { hasDeviceMatvec, type DeviceOperator } from './device-operator.ts';
import type { LinearOperator } from './operator.ts';
import { powerIteration, type PowerResult } from './power.ts';
import { norm } from './vector.ts';

/** `iterations` steps v ← Av/‖Av‖ from `start` on the device. Example: `await devicePowerIteration(op, 30, start)`. */
export async function devicePowerIteration(op: DeviceOperator, iterations: number, start: Float64Array): Promise<PowerResult> {
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`powerIteration: iterations must be a positive integer, got ${iterations}`);
  if (start.length !== op.size) throw new Error(`powerIteration: start has ${start.length} entries, the operator ${op.size}`);
  const n0 = norm(start);
  if (!(n0 > 0)) throw new Error('powerIteration: start vector is zero');
  let v = tf.tensor1d(Float32Array.from(start, (x) => x / n0));
  let value = 0;
  let residual = Infinity;
  try {
    for (let i = 0; i < iterations; i++) {
      const av = op.matvecTensor(v);
      const stats = tf.tidy(() => {
        const theta = tf.dot(v, av);
        return tf.stack([theta, tf.norm(tf.sub(av, tf.mul(theta, v))), tf.norm(av)]);
      });
      let read: Float32Array;
      try {
        read = await readFloat32(stats);
      } finally {
        stats.dispose();
      }
      const [theta, r, n] = read;
      value = theta!;
      residual = r! / Math.abs(value);
      if (!(n! > 0)) {
        av.dispose();
        throw new Error(`powerIteration: A·v vanished at step ${i + 1}`);
      }
      const next = tf.tidy(() => tf.div(av, n!) as Tensor1D);
      tf.dispose([v, av]);
      v = next;
    }
    return { vector: Float64Array.from(await readFloat32(v)), value, relativeResidual: residual, matvecs: iterations };
  } finally {
    v.dispose();
  }
}

/** `devicePowerIteration` on webgpu when the operator applies on the device, `powerIteration` elsewhere. */
export async function powerIterationOnBackend(op: LinearOperator, iterations: number, start: Float64Array): Promise<PowerResult> {
  if (tf.getBackend() === 'webgpu' && hasDeviceMatvec(op)) return devicePowerIteration(op, iterations, start);
  return powerIteration(op, iterations, start);
}
