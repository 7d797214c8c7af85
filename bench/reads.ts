/**
 * The bench's gradients, HVPs and operators read back with awaited reads (stages/tf/read.ts), so that they run on
 * every backend, webgpu included (where `dataSync()` throws): value + gradient (the native one-call path where the
 * model has it, unless `fused: false`), one HVP, a Hessian operator for Lanczos, and classifier evaluation.
 */
import * as tf from '@tensorflow/tfjs';
import { hvp, hvpSession, valueAndGrad } from '../stages/models/curvature.ts';
import type { Batch, FlatModel } from '../stages/models/model.ts';
import type { LinearOperator } from '../stages/numerics/operator.ts';
import { readAll, readFloat32 } from '../stages/tf/read.ts';

/** Mean loss and gradient read back: `const {value, grad} = await readValueAndGrad(model, w, batch)`. */
export async function readValueAndGrad(
  model: FlatModel,
  w: tf.Tensor1D | Float32Array,
  batch: Batch,
  opts: { fused?: boolean } = {},
): Promise<{ value: number; grad: Float32Array }> {
  const fused = opts.fused === false ? null : model.fusedValueAndGrad?.(w, batch);
  if (fused) return { value: Math.fround(fused.value), grad: fused.grad };
  const { value, grad } = valueAndGrad(model, w, batch, { fused: false });
  try {
    const [v, g] = await readAll([value, grad]);
    return { value: v![0]!, grad: g as Float32Array };
  } finally {
    tf.dispose([value, grad]);
  }
}

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

/** A LinearOperator that holds tensors until `dispose()`. */
export interface ReadingOperator extends LinearOperator {
  dispose(): void;
}

/**
 * The Hessian of the mean loss at (w, batch) as an operator whose `matvec` awaits its read, on any backend: each
 * product is one double-backprop `hvp` (`session: false`) or the second pass of one recorded `hvpSession` (default).
 * Example: `const op = readingHessianOperator(model, w, batch); await lanczos(op, {k: 5, seed: 7}); op.dispose()`.
 */
export function readingHessianOperator(model: FlatModel, w: Float32Array, batch: Batch, opts: { session?: boolean } = {}): ReadingOperator {
  const wt = tf.tensor1d(w);
  const session = opts.session === false ? null : hvpSession(model, wt, batch);
  return {
    size: model.size,
    async matvec(v: Float64Array): Promise<Float64Array> {
      const vt = tf.tensor1d(Float32Array.from(v));
      const hv = session ? session.hvp(vt) : hvp(model, wt, batch, vt);
      vt.dispose();
      try {
        return Float64Array.from(await readFloat32(hv));
      } finally {
        hv.dispose();
      }
    },
    dispose() {
      session?.dispose();
      wt.dispose();
    },
  };
}

/** Mean loss and accuracy of a classifier in chunks, read asynchronously (as stages/dynamics/evaluate.ts computes them). */
export async function readEvaluation(model: FlatModel, w: Float32Array, batch: Batch, chunk = 2000): Promise<{ loss: number; accuracy: number }> {
  const n = batch.x.shape[0]!;
  const labels = await batch.y!.data();
  const wt = tf.tensor1d(w);
  let lossSum = 0;
  let correct = 0;
  try {
    for (let start = 0; start < n; start += chunk) {
      const size = Math.min(chunk, n - start);
      const [losses, predicted] = tf.tidy(() => {
        const x = size === n ? batch.x : tf.slice(batch.x, [start, ...batch.x.shape.slice(1).map(() => 0)], [size, ...batch.x.shape.slice(1)]);
        const y = size === n ? batch.y! : tf.slice(batch.y!, [start], [size]);
        if (model.lossAndPrediction) {
          const { losses, prediction } = model.lossAndPrediction(wt, { x, y });
          return [losses, tf.argMax(prediction, 1)];
        }
        return [model.perExampleLoss(wt, { x, y }), tf.argMax(model.predict(wt, x), 1)];
      });
      const [l, p] = await readAll([losses, predicted]);
      tf.dispose([losses, predicted]);
      for (let i = 0; i < size; i++) {
        lossSum += l![i]!;
        if (p![i] === labels[start + i]) correct++;
      }
    }
  } finally {
    wt.dispose();
  }
  return { loss: lossSum / n, accuracy: correct / n };
}
