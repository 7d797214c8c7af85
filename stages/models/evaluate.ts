/** Loss and accuracy of a classifier on labelled images, in chunks, optionally split by a 0/1 group mask. */
import { tf } from '../tf/tfjs.ts';
import type { TypedArray } from '@tensorflow/tfjs';
import type { Batch, FlatModel } from '../models/model.ts';
import { readAll, readTensor } from '../tf/read.ts';

/** Mean loss and accuracy over a set, and accuracy within each group of a mask (e.g. clean / random labels). */
export interface Evaluation {
  loss: number;
  accuracy: number;
  groupAccuracy?: { zero: number | null; one: number | null };
}

/**
 * Evaluates `w` on `batch` (labels int32) in chunks of `chunk` examples, one forward pass per chunk where the model
 * offers it; values are read back with awaited reads. Example: `(await evaluateClassifier(model, w, test)).accuracy`.
 */
export async function evaluateClassifier(
  model: FlatModel,
  w: Float32Array,
  batch: Batch,
  opts: { chunk?: number; groups?: Uint8Array } = {},
): Promise<Evaluation> {
  const n = batch.x.shape[0]!;
  const chunk = Math.max(1, opts.chunk ?? 2000);
  const labels = await readTensor(batch.y!);
  const wt = tf.tensor1d(w);
  let lossSum = 0;
  let correct = 0;
  const groupCorrect = [0, 0];
  const groupCount = [0, 0];
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
      let l: TypedArray;
      let p: TypedArray;
      try {
        [l, p] = (await readAll([losses, predicted])) as [TypedArray, TypedArray];
      } finally {
        tf.dispose([losses, predicted]);
      }
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
    }
  } finally {
    wt.dispose();
  }
  const out: Evaluation = { loss: lossSum / n, accuracy: correct / n };
  if (opts.groups) {
    out.groupAccuracy = {
      zero: groupCount[0] ? groupCorrect[0]! / groupCount[0]! : null,
      one: groupCount[1] ? groupCorrect[1]! / groupCount[1]! : null,
    };
  }
  return out;
}
