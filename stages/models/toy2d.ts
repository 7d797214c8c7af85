/**
 * The two-basin toy loss (see toy2d_f64.ts for the formula and closed forms) as a tfjs FlatModel with D = 2:
 * batch.x holds the samples [n, 2]; there are no targets. Per-example gradients come from one backward pass with
 * w tiled per example.
 */
import { tf } from '../tf/tfjs.ts';
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Rng } from '../numerics/random.ts';
import { gradOf } from '../tf/ops.ts';
import { checkBatch, layoutParams, type Batch, type FlatModel } from './model.ts';
import { TOY2D_C, toy2dData } from './toy2d_f64.ts';

/** Per-sample toy losses for per-example parameters W [n, 2] (or one w [2], broadcast) and samples x [n, 2]. */
function toyLosses(w: Tensor, x: Tensor2D): Tensor1D {
  return tf.tidy(() => {
    const d = tf.sub(w, x); // w − x
    const u = tf.sub(d, 1);
    const [u0, u1] = tf.split(u, 2, 1) as [Tensor, Tensor];
    const p = tf.mul(tf.sub(u0, u1), TOY2D_C);
    const q = tf.mul(tf.add(u0, u1), TOY2D_C);
    const sharp = tf.add(tf.mul(tf.square(p), 10), tf.mul(tf.square(q), 100));
    const flat = tf.sum(tf.square(tf.add(d, 1)), 1, true);
    return tf.reshape(tf.minimum(sharp, flat), [-1]) as Tensor1D;
  });
}

/** The toy model. Example: `createToy2d().loss(tf.tensor1d([1, 1]), {x: toy2dBatch(new Rng(0))})`. */
export function createToy2d(): FlatModel {
  const params = layoutParams([{ name: 'w', shape: [2] }]);
  const model: FlatModel = {
    name: 'toy2d',
    size: 2,
    params,
    inputShape: [2],
    /** The sharp minimum (1, 1), where the paper's escape experiments start; `rng` is not used. */
    init(_rng: Rng): Float32Array {
      return Float32Array.from([1, 1]);
    },
    perExampleLoss(w, batch) {
      checkBatch(model, batch, false);
      return toyLosses(w, batch.x as Tensor2D);
    },
    loss(w, batch) {
      return tf.tidy(() => tf.mean(model.perExampleLoss(w, batch)) as Scalar);
    },
    predict(w, x) {
      return model.perExampleLoss(w, { x });
    },
    perExampleGradients(w, batch: Batch) {
      const n = checkBatch(model, batch, false);
      return tf.tidy(() => {
        const tiled = tf.tile(tf.reshape(w, [1, 2]), [n, 1]) as Tensor2D;
        return gradOf((W: Tensor2D) => tf.sum(toyLosses(W, batch.x as Tensor2D)))(tiled);
      });
    },
  };
  return model;
}

/** The toy data set as a batch {x: [n, 2]} (float32), drawn by `toy2dData`. */
export function toy2dBatch(rng: Rng, n?: number): Batch {
  return { x: tf.tensor2d(Float32Array.from(toy2dData(rng, n)), [n ?? 100, 2]) };
}
