/**
 * Times one unit of each Fashion-MNIST operation of `cost.ts` on this machine, with the configured sizes (N =
 * fashion.data.train, Σ at m = fashion.dynamics.batchSize, minibatch gradients at each m an operation names,
 * evaluation on min(T, 2000) images) on the paper's CNN at its
 * initialisation. The images are Fashion-MNIST's first ones when a local copy exists (nothing is fetched), else
 * random ones, said in the log: the kernels' cost depends on the data (real images took 10–25% more CPU time per
 * gradient and HVP than uniform random pixels here; trained and initial weights cost the same). Every timed call ends
 * by awaiting a read of its result, so on webgpu (timed by the wall clock) the device's work is inside the timing.
 */
import { tf } from '../tf/tfjs.ts';
import type { Scalar, Tensor1D } from '@tensorflow/tfjs';
import { evaluateClassifier } from '../models/evaluate.ts';
import { minibatchGradientCovariance } from '../dynamics/statistics.ts';
import { createCnn } from '../models/cnn.ts';
import { hessianOperator, meanLoss, minibatchValueAndGrad, sliceBatch, valueAndGrad, weightedValueAndGrad } from '../models/curvature.ts';
import { gaussianSgdWeights } from '../noise/example-weights.ts';
import type { Batch } from '../models/model.ts';
import { locateFashionMnist, readFashionSplit } from '../data/fashion-mnist.ts';
import { Rng } from '../numerics/random.ts';
import { cpuClock, medianMsAsync } from '../numerics/timing.ts';
import { readAll } from '../tf/read.ts';
import { fashionConfig } from './config.ts';
import { FASHION_OPS, minibatchGradOp, minibatchOpSize } from './cost.ts';
import { normalizePixels } from './data.ts';

/** Random labelled images shaped like Fashion-MNIST's. */
function randomImages(rng: Rng, n: number): Batch {
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform() * 2 - 1;
  return {
    x: tf.tensor4d(x, [n, 28, 28, 1]),
    y: tf.tensor1d(
      Int32Array.from({ length: n }, () => rng.int(10)),
      'int32',
    ),
  };
}

/** The first n images of a split of a local Fashion-MNIST copy, normalised as the stages normalise them. */
function realImages(dir: string, split: 'train' | 'test', n: number): Batch {
  const s = readFashionSplit(dir, split, n);
  if (s.count < n) throw new Error(`${dir}: the ${split} split has ${s.count} images, ${n} wanted`);
  return { x: tf.tensor4d(normalizePixels(s.images), [n, 28, 28, 1]), y: tf.tensor1d(Int32Array.from(s.labels), 'int32') };
}

/** Training and evaluation images for timing: real when a local copy exists, else random (logged). */
async function timingImages(
  cfg: <T>(path: string) => T,
  n: number,
  evalN: number,
  rng: Rng,
  log: (line: string) => void,
): Promise<{ train: Batch; test: Batch }> {
  try {
    const where = await locateFashionMnist({ configured: fashionConfig(cfg)('data.path'), download: false });
    const images = { train: realImages(where.dir, 'train', n), test: realImages(where.dir, 'test', evalN) };
    log(`fashion: timing on Fashion-MNIST's first images (${where.dir})`);
    return images;
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    log(`fashion: no local Fashion-MNIST (${why}): timing on random images, which cost 10–25% less than real ones here`);
    return { train: randomImages(rng, n), test: randomImages(rng, evalN) };
  }
}

/**
 * Milliseconds per unit of each operation of FASHION_OPS in `needed` (the backend must be initialised), by `timing`'s
 * clock (CPU time by default; stages/numerics/timing.ts `clockFor` gives wall time on webgpu).
 */
export async function measureFashionCosts(
  cfg: <T>(path: string) => T,
  needed: ReadonlySet<string>,
  log: (line: string) => void,
  timing: { clock: () => number; unit: 'CPU' | 'wall' } = { clock: cpuClock, unit: 'CPU' },
): Promise<Record<string, number>> {
  const N = fashionConfig(cfg)('data.train');
  const T = fashionConfig(cfg)('data.test');
  const m = fashionConfig(cfg)('dynamics.batchSize');
  const want = (op: string) => needed.has(op);
  const out: Record<string, number> = {};
  // minibatch gradients, one operation per batch size (`minibatchGradOp`)
  const minibatchSizes = [...needed].map(minibatchOpSize).filter((x): x is number => x !== undefined);
  if (!Object.values(FASHION_OPS).some(want) && minibatchSizes.length === 0) return out;
  const rng = new Rng(12);
  const model = createCnn();
  const w = model.init(rng);
  const evalN = Math.min(T, 2000);
  const { train, test } = await timingImages(cfg, N, evalN, rng, log);
  const done = (op: string, ms: number, what: string) => {
    out[op] = ms;
    log(`${op}: ${what}: ${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms ${timing.unit}`);
  };
  const timed = (fn: () => Promise<unknown>, reps: number, warmup?: number) => medianMsAsync(async () => void (await fn()), reps, warmup, timing.clock);
  try {
    if (want(FASHION_OPS.gradFull)) {
      done(FASHION_OPS.gradFull, await timed(() => read(valueAndGrad(model, w, train)), 3), `value + gradient, N = ${N}`);
    }
    if (want(FASHION_OPS.gradWeighted)) {
      const weights = gaussianSgdWeights(rng, m, new Float64Array(N));
      done(FASHION_OPS.gradWeighted, await timed(() => read(weightedValueAndGrad(model, w, train, weights)), 3), `weighted value + gradient, N = ${N}`);
    }
    for (const size of minibatchSizes) {
      const step = () => read(minibatchValueAndGrad(model, w, train, rng.permutation(N).subarray(0, size)));
      done(minibatchGradOp(size), await timed(step, 15, 3), `value + gradient, minibatch of ${size}`);
    }
    // The Hessian operator and Σ read their results themselves (`await` also takes their coming async versions).
    if (want(FASHION_OPS.hvpOpen) || want(FASHION_OPS.hvp)) {
      const v = rng.fillNormal(new Float64Array(model.size));
      const warm = hessianOperator(model, w, train);
      await warm.matvec(v);
      warm.dispose();
      const open = await timed(async () => hessianOperator(model, w, train).dispose(), 3, 0);
      const op = hessianOperator(model, w, train);
      try {
        if (want(FASHION_OPS.hvpOpen)) done(FASHION_OPS.hvpOpen, open, `Hessian operator opened, N = ${N}`);
        if (want(FASHION_OPS.hvp)) done(FASHION_OPS.hvp, await timed(async () => op.matvec(v), 3, 0), `Hessian-vector product, N = ${N}`);
      } finally {
        op.dispose();
      }
    }
    if (want(FASHION_OPS.sigma)) {
      const small = sliceBatch(train, 0, Math.min(N, 2 * m));
      await minibatchGradientCovariance(model, w, small, m, rng); // warm-up on 2 minibatches
      tf.dispose([small.x, small.y!]);
      done(
        FASHION_OPS.sigma,
        await timed(async () => minibatchGradientCovariance(model, w, train, m, rng), 2, 0),
        `Σ from ${Math.floor(N / m)} minibatches of ${m}`,
      );
    }
    if (want(FASHION_OPS.evalImage)) {
      done(FASHION_OPS.evalImage, (await timed(() => evaluateClassifier(model, w, test), 3)) / evalN, `evaluation per image (of ${evalN})`);
    }
    if (want(FASHION_OPS.lossImage)) {
      done(FASHION_OPS.lossImage, (await timed(() => meanLoss(model, w, train), 3)) / N, `loss per image (of ${N})`);
    }
  } finally {
    tf.dispose([train.x, train.y!, test.x, test.y!]);
  }
  return out;
}

/** Reads a value and gradient back to JS, as the training loops do (awaited: on webgpu it waits for the device), and frees them. */
async function read(r: { value: Scalar; grad: Tensor1D }): Promise<void> {
  try {
    await readAll([r.grad, r.value]);
  } finally {
    tf.dispose([r.value, r.grad]);
  }
}
