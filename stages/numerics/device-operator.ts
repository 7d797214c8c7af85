/**
 * Operators whose products stay on the tfjs backend: `matvecTensor` maps a float32 tensor to a float32 tensor with no
 * read-back, so an algorithm that keeps its vectors on the device (device-lanczos.ts) never moves a D-length vector
 * to the host per product. The Hessian operator of stages/models/curvature.ts offers it next to its float64 `matvec`.
 */
import { tf } from '../tf/tfjs.ts';
import type { Tensor1D } from '@tensorflow/tfjs';
import { readFloat32 } from '../tf/read.ts';
import type { LinearOperator } from './operator.ts';

/** A symmetric linear operator applied on the device. `matvecTensor` must not dispose or modify its argument. */
export interface DeviceOperator {
  /** Dimension D of the space the operator acts on. */
  readonly size: number;
  /** A·v as a new float32 tensor of shape [size] (owned by the caller). */
  matvecTensor(v: Tensor1D): Tensor1D;
}

/** Whether `op` also applies on the device. Example: `if (hasDeviceMatvec(op)) op.matvecTensor(v)`. */
export function hasDeviceMatvec<T extends LinearOperator>(op: T): op is T & DeviceOperator {
  return typeof (op as Partial<DeviceOperator>).matvecTensor === 'function';
}

/**
 * A dense symmetric matrix (row-major float64, n²) as an operator on the active backend (stored there in float32);
 * `matvec` uploads v and reads A·v back, `matvecTensor` does neither. Call `dispose()` when done.
 * Example: `const op = denseDeviceOperator(a, n); await deviceLanczos(op, {k: 3, seed: 1}); op.dispose()`.
 */
export function denseDeviceOperator(matrix: Float64Array, n: number): LinearOperator & DeviceOperator & { dispose(): void } {
  if (matrix.length !== n * n) {
    throw new Error(`denseDeviceOperator: expected ${n}×${n} = ${n * n} entries, got ${matrix.length}`);
  }
  const a = tf.tensor2d(Float32Array.from(matrix), [n, n]);
  const matvecTensor = (v: Tensor1D): Tensor1D => {
    if (a.isDisposed) throw new Error('denseDeviceOperator: matvec after dispose()');
    if (v.shape.length !== 1 || v.shape[0] !== n) throw new Error(`denseDeviceOperator: vector of shape [${v.shape}] for a ${n}×${n} matrix`);
    return tf.tidy(() => tf.reshape(tf.matMul(a, tf.reshape(v, [n, 1])), [n]));
  };
  return {
    size: n,
    matvecTensor,
    async matvec(v: Float64Array): Promise<Float64Array> {
      const t = tf.tensor1d(Float32Array.from(v));
      const av = matvecTensor(t);
      try {
        return Float64Array.from(await readFloat32(av));
      } finally {
        tf.dispose([t, av]);
      }
    },
    dispose: () => a.dispose(),
  };
}
