/**
 * The one-hidden-layer experiment (paper Fig. 4): full-batch Adam on the 2-D classification data, and after every
 * epoch the exact Hessian (dense, D = 300), the gradient-noise covariance Σ of minibatches of m drawn without
 * replacement (one shuffled pass, normalised by 1/(batches − 1)), Tr(HΣ), Tr(HΣ̄) and their ratio.
 */
import { tf } from '../tf/tfjs.ts';
import type { TypedArray } from '@tensorflow/tfjs';
import { denseHessian, meanLoss, perExampleGradients, valueAndGradRead } from '../models/curvature.ts';
import type { Batch, FlatModel } from '../models/model.ts';
import { minibatchCovariance } from '../numerics/covariance.ts';
import { traceHSigma, traceHSigmaIsotropic } from '../numerics/indicator.ts';
import { denseOperator } from '../numerics/operator.ts';
import type { Rng } from '../numerics/random.ts';
import { readTensor } from '../tf/read.ts';
import { Adam } from './adam.ts';
import type { OneHiddenData } from './data.ts';

/** Settings of the run. */
export interface OneHiddenTrainOptions {
  epochs: number;
  itersPerEpoch: number;
  lr: number;
  /** The learning rate decays linearly to lr/decayEpochs over the last `decayEpochs` epochs. */
  decayEpochs: number;
  /** Minibatch size m of the covariance estimate. */
  covBatchSize: number;
  /** Minibatches per estimate, each drawn without replacement independently of the others (the released code). */
  covBatches: number;
  rng: Rng;
  /** Called after every epoch with that epoch's record (what it measured anyway). */
  onEpoch?(done: number, total: number, record: EpochRecord): void;
}

/** What is recorded at initialisation (epoch 0) and after every epoch. */
export interface EpochRecord {
  epoch: number;
  lr: number;
  loss: number;
  accuracy: number;
  traceH: number;
  traceSigma: number;
  traceHSigma: number;
  traceHSigmaIso: number;
  /** Tr(HΣ)/Tr(HΣ̄); null where Tr(HΣ̄) = 0 (a network whose outputs are all clipped has H = Σ = 0). */
  ratio: number | null;
}

/** Learning rate of epoch e (0-based): constant, then linear decay over the last `decay` epochs. */
export function epochLr(lr: number, e: number, epochs: number, decay: number): number {
  const left = epochs - e;
  return left >= decay ? lr : (lr * left) / decay;
}

/** Trains `model` from `w0` and measures the indicator after every epoch. */
export async function trainOneHidden(
  model: FlatModel,
  w0: Float32Array,
  data: OneHiddenData,
  o: OneHiddenTrainOptions,
): Promise<{ records: EpochRecord[]; w: Float32Array }> {
  const batch: Batch = { x: tf.tensor2d(data.x, [data.n, 2]), y: tf.tensor1d(data.y) };
  const w = Float32Array.from(w0);
  const adam = new Adam(model.size);
  const records: EpochRecord[] = [];
  try {
    records.push(await measure(model, w, batch, data, o, 0, 0));
    for (let e = 0; e < o.epochs; e++) {
      const lr = epochLr(o.lr, e, o.epochs, o.decayEpochs);
      for (let i = 0; i < o.itersPerEpoch; i++) {
        const { value: loss, grad: g } = await valueAndGradRead(model, w, batch);
        if (!Number.isFinite(loss) || !g.every(Number.isFinite)) throw new Error(`onehidden diverged at iteration ${e * o.itersPerEpoch + i + 1}`);
        adam.step(w, g, lr);
      }
      records.push(await measure(model, w, batch, data, o, e + 1, lr));
      o.onEpoch?.(e + 1, o.epochs, records.at(-1)!);
    }
  } finally {
    tf.dispose([batch.x, batch.y!]);
  }
  return { records, w };
}

async function measure(
  model: FlatModel,
  w: Float32Array,
  batch: Batch,
  data: OneHiddenData,
  o: OneHiddenTrainOptions,
  epoch: number,
  lr: number,
): Promise<EpochRecord> {
  const D = model.size;
  const loss = await meanLoss(model, w, batch);
  const predicted = tf.tidy(() => model.predict(tf.tensor1d(w), batch.x));
  let pred: TypedArray;
  try {
    pred = await readTensor(predicted);
  } finally {
    predicted.dispose();
  }
  let correct = 0;
  for (let i = 0; i < data.n; i++) if ((pred[i]! >= 0.5 ? 1 : 0) === data.y[i]) correct++;
  const H = await denseHessian(model, w, batch);
  let traceH = 0;
  for (let i = 0; i < D; i++) traceH += H[i * D + i]!;
  // Minibatch gradients = means of per-example gradients over each minibatch of m.
  const G = perExampleGradients(model, w, batch);
  let g: TypedArray;
  try {
    g = await readTensor(G);
  } finally {
    G.dispose();
  }
  const m = o.covBatchSize;
  const means: Float64Array[] = [];
  for (let b = 0; b < o.covBatches; b++) {
    const members = o.rng.permutation(data.n).subarray(0, m);
    const mean = new Float64Array(D);
    for (let j = 0; j < m; j++) {
      const row = members[j]! * D;
      for (let d = 0; d < D; d++) mean[d] = mean[d]! + g[row + d]! / m;
    }
    means.push(mean);
  }
  const sigma = minibatchCovariance(means);
  const exact = await traceHSigma(denseOperator(H, D), sigma);
  const iso = traceHSigmaIsotropic(traceH, sigma.trace, D);
  return {
    epoch,
    lr,
    loss,
    accuracy: correct / data.n,
    traceH,
    traceSigma: sigma.trace,
    traceHSigma: exact.value,
    traceHSigmaIso: iso,
    ratio: iso > 0 ? exact.value / iso : null,
  };
}
