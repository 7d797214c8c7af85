/**
 * The bench's timed calls end with awaited reads (stages/tf/read.ts), so that they run, and sync the GPU, on every
 * backend, webgpu included (where `dataSync()` throws). The library's own async functions (valueAndGradRead,
 * hessianOperator, evaluateClassifier) serve everything else.
 */
import * as tf from '@tensorflow/tfjs';
import { hvp } from '../stages/models/curvature.ts';
import type { Batch, FlatModel } from '../stages/models/model.ts';
import { readAll, readFloat32 } from '../stages/tf/read.ts';

/** H(w)·v by double backprop, read back. Example: `await readHvp(model, w, batch, v)`. */
export async function readHvp(model: FlatModel, w: tf.Tensor1D | Float32Array, batch: Batch, v: tf.Tensor1D | Float32Array): Promise<Float32Array> {
  const hv = hvp(model, w, batch, v);
  try {
    return await readFloat32(hv);
  } finally {
    hv.dispose();
  }
}

/** Reads back every tensor `f` returns (what syncs a GPU) and disposes them. */
export async function readBack(f: () => tf.Tensor[]): Promise<void> {
  const ts = f();
  try {
    await readAll(ts);
  } finally {
    tf.dispose(ts);
  }
}
