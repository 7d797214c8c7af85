/** Loss and accuracy of a classifier on labelled images, in chunks, optionally split by a 0/1 group mask. */
import * as tf from '@tensorflow/tfjs';
import type { Batch, FlatModel } from '../models/model.ts';
import { readAll, readTensor } from '../tf/read.ts';

/** Mean loss and accuracy over a set, and accuracy within each group of a mask (e.g. clean / random labels). */
export interface Evaluation {
  loss: number;
  accuracy: number;
  groupAccuracy?: { zero: number | null; one: number | null };
}

/** Options of `evaluateClassifier`. */
interface EvaluateOptions {
  chunk?: number;
  groups?: Uint8Array;
}

/** Evaluates `w` on `batch` (labels int32) in chunks of `chunk` examples, one forward pass per chunk where the model offers it. */
export function evaluateClassifier(model: FlatModel, w: Float32Array, batch: Batch, opts: EvaluateOptions = {}): Evaluation {
  const e = evaluation(model, w, batch, opts);
  try {
    const labels = batch.y!.dataSync();
    for (const { start, size } of e.chunks) {
      const [losses, predicted] = e.forward(start, size);
      const l = losses.dataSync();
      const p = predicted.dataSync();
      tf.dispose([losses, predicted]);
      e.add(l, p, labels, start, size);
    }
  } finally {
    e.dispose();
  }
  return e.result();
}

/**
 * `evaluateClassifier` with awaited reads, for the GPU backend (webgpu), where `dataSync` throws; the same arithmetic,
 * so the same numbers on every backend. Example: `const {loss, accuracy} = await evaluateClassifierAsync(model, w, test)`.
 */
export async function evaluateClassifierAsync(model: FlatModel, w: Float32Array, batch: Batch, opts: EvaluateOptions = {}): Promise<Evaluation> {
  const e = evaluation(model, w, batch, opts);
  try {
    const labels = await readTensor(batch.y!);
    for (const { start, size } of e.chunks) {
      const [losses, predicted] = e.forward(start, size);
      let l: tf.TypedArray;
      let p: tf.TypedArray;
      try {
        [l, p] = (await readAll([losses, predicted])) as [tf.TypedArray, tf.TypedArray];
      } finally {
        tf.dispose([losses, predicted]);
      }
      e.add(l, p, labels, start, size);
    }
  } finally {
    e.dispose();
  }
  return e.result();
}

/** The chunks, the forward pass of one, the float64 sums over read values, and the result: shared by both reads. */
function evaluation(model: FlatModel, w: Float32Array, batch: Batch, opts: EvaluateOptions) {
  const n = batch.x.shape[0]!;
  const chunk = Math.max(1, opts.chunk ?? 2000);
  const chunks: { start: number; size: number }[] = [];
  for (let start = 0; start < n; start += chunk) chunks.push({ start, size: Math.min(chunk, n - start) });
  const wt = tf.tensor1d(w);
  let lossSum = 0;
  let correct = 0;
  const groupCorrect = [0, 0];
  const groupCount = [0, 0];
  return {
    chunks,
    forward(start: number, size: number): [tf.Tensor, tf.Tensor] {
      return tf.tidy(() => {
        const x = size === n ? batch.x : tf.slice(batch.x, [start, ...batch.x.shape.slice(1).map(() => 0)], [size, ...batch.x.shape.slice(1)]);
        const y = size === n ? batch.y! : tf.slice(batch.y!, [start], [size]);
        if (model.lossAndPrediction) {
          const { losses, prediction } = model.lossAndPrediction(wt, { x, y });
          return [losses, tf.argMax(prediction, 1)];
        }
        return [model.perExampleLoss(wt, { x, y }), tf.argMax(model.predict(wt, x), 1)];
      });
    },
    add(l: ArrayLike<number>, p: ArrayLike<number>, labels: ArrayLike<number>, start: number, size: number): void {
      for (let i = 0; i < size; i++) {
        lossSum += l[i]!;
        const ok = p[i] === labels[start + i] ? 1 : 0;
        correct += ok;
        if (opts.groups) {
          const g = opts.groups[start + i]!;
          groupCorrect[g] = groupCorrect[g]! + ok;
          groupCount[g] = groupCount[g]! + 1;
        }
      }
    },
    dispose(): void {
      wt.dispose();
    },
    result(): Evaluation {
      const out: Evaluation = { loss: lossSum / n, accuracy: correct / n };
      if (opts.groups) {
        out.groupAccuracy = {
          zero: groupCount[0] ? groupCorrect[0]! / groupCount[0]! : null,
          one: groupCount[1] ? groupCorrect[1]! / groupCount[1]! : null,
        };
      }
      return out;
    },
  };
}
