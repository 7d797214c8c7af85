/**
 * Reading tensors back to JavaScript without blocking: the one way numeric code reads values.
 *
 * On the GPU backend (webgpu) a read is a buffer copy that completes asynchronously (`dataSync()` throws in Node, as
 * there is no OffscreenCanvas); on native, wasm and cpu `t.data()` resolves to exactly the values `dataSync()` gives,
 * so results there are unchanged. A read on a lost WebGPU device fails with the one-line reason (stages/tf/webgpu.ts)
 * instead of hanging. Each function leaves `t` alone: the caller still disposes it.
 */
import type * as tf from '@tensorflow/tfjs';
import { throwIfDeviceLost, whenDeviceLost } from './webgpu.ts';

/** The values of `t` as a new typed array (float32 tensors give a Float32Array). Example: `await readTensor(g)`. */
export async function readTensor(t: tf.Tensor): Promise<tf.TypedArray> {
  throwIfDeviceLost();
  let values: tf.TypedArray;
  try {
    values = (await Promise.race([t.data(), whenDeviceLost()])) as tf.TypedArray;
  } catch (err) {
    throwIfDeviceLost();
    throw err;
  }
  throwIfDeviceLost();
  return values;
}

/** The values of a float32 tensor. Example: `const g = await readFloat32(grad)`. */
export async function readFloat32(t: tf.Tensor): Promise<Float32Array> {
  if (t.dtype !== 'float32') throw new Error(`readFloat32: tensor of dtype ${t.dtype}`);
  return (await readTensor(t)) as Float32Array;
}

/** The one value of a scalar (or one-entry) tensor. Example: `const loss = await readNumber(value)`. */
export async function readNumber(t: tf.Tensor): Promise<number> {
  if (t.size !== 1) throw new Error(`readNumber: tensor of shape [${t.shape}] has ${t.size} entries, expected 1`);
  return (await readTensor(t))[0]!;
}

/** Reads several tensors with one wait (their copies are queued together). Example: `await readAll([value, grad])`. */
export async function readAll(ts: readonly tf.Tensor[]): Promise<tf.TypedArray[]> {
  throwIfDeviceLost();
  try {
    return (await Promise.race([Promise.all(ts.map((t) => t.data())), whenDeviceLost()])) as tf.TypedArray[];
  } catch (err) {
    throwIfDeviceLost();
    throw err;
  }
}
