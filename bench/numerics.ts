/**
 * Numerics benchmarks on the paper's CNN (D = 11,330) with N = 1200 images (the first 1200 Fashion-MNIST training
 * images when the dataset is found, random images otherwise) on the chosen backend. Medians of several runs.
 *
 * Measures: full-batch and minibatch-20 value + gradient, HVP (double backprop, and with the recorded pass reused),
 * per-example gradients for n = 60 and 1200, the covariance top-20 from 60 minibatch gradients (and its cost
 * relative to the 60 gradients alone), and Lanczos top-20 to relative residual ≤ 1e-3 on the top 5: cold, and warm
 * from the eigenvectors computed 10 SGD steps earlier (all 20 of them, and the leading 10), after 60 and after 400
 * full-batch GD steps from the initialisation (a flat, clustered top spectrum and a sharper, separated one).
 */
import * as tf from '@tensorflow/tfjs';
import { performance } from 'node:perf_hooks';
import { locateFashionMnist, readFashionSplit } from '../stages/data/fashion-mnist.ts';
import { createCnn } from '../stages/models/cnn.ts';
import {
  hvp,
  hvpSession,
  minibatchValueAndGrad,
  perExampleGradients,
  sliceBatch,
  valueAndGrad,
  valueAndGradRead,
  hessianOperator,
} from '../stages/models/curvature.ts';
import type { Batch } from '../stages/models/model.ts';
import { minibatchCovariance } from '../stages/numerics/covariance.ts';
import { lanczos, type LanczosResult } from '../stages/numerics/lanczos.ts';
import { Rng } from '../stages/numerics/random.ts';
import { initBackend, type BackendName } from '../stages/tf/backend.ts';
import { readFloat32 } from '../stages/tf/read.ts';
import { backendFields } from './backend-fields.ts';
import { readBack } from './reads.ts';
import { median, medianMsAsync } from './timing.ts';

/** Median wall time (ms) of `f` over `reps` runs after one warm-up; returned tensors are read back (awaited) and disposed. */
function timeTensors(f: () => tf.Tensor[], reps: number): Promise<number> {
  return medianMsAsync(() => readBack(f), reps);
}

async function loadImages(n: number, rng: Rng): Promise<{ batch: Batch; source: string }> {
  try {
    const where = await locateFashionMnist({ log: (line) => process.stderr.write(`${line}\n`) });
    const split = readFashionSplit(where.dir, 'train', n);
    const x = Float32Array.from(split.images, (p) => (p - 127.5) / 127.5);
    return {
      batch: { x: tf.tensor4d(x, [n, 28, 28, 1]), y: tf.tensor1d(Int32Array.from(split.labels), 'int32') },
      source: `fashion-mnist (${where.source}: ${where.dir})`,
    };
  } catch {
    return {
      batch: {
        x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 784)), [n, 28, 28, 1]),
        y: tf.tensor1d(
          Int32Array.from({ length: n }, () => rng.int(10)),
          'int32',
        ),
      },
      source: 'random images (Fashion-MNIST not found)',
    };
  }
}

function lanczosSummary(r: LanczosResult, ms: number) {
  return {
    matvecs: r.matvecs,
    ms: Math.round(ms),
    converged: r.converged,
    top5RelativeResidualMax: Math.max(...Array.from(r.relativeResiduals.slice(0, 5))),
    allRelativeResidualMax: Math.max(...Array.from(r.relativeResiduals)),
    top5: Array.from(r.eigenvalues.slice(0, 5), (v) => Number(v.toPrecision(6))),
  };
}

/** Runs the numerics benchmarks and returns their measurements. */
export async function benchNumerics(backend: BackendName = 'wasm', reps = 5): Promise<Record<string, unknown>> {
  const info = await initBackend(backend);
  const rng = new Rng(2019);
  const model = createCnn();
  const N = 1200;
  const { batch, source } = await loadImages(N, rng);
  const w = model.init(rng);

  // Move off the near-zero initialisation so that the Hessian has structure: 60 full-batch GD steps at lr 0.1.
  const pre0 = performance.now();
  for (let i = 0; i < 60; i++) {
    const { grad } = await valueAndGradRead(model, w, batch);
    for (let j = 0; j < w.length; j++) w[j] = w[j]! - 0.1 * grad[j]!;
  }
  const pretrainMs = performance.now() - pre0;

  const wt = tf.tensor1d(w);
  const v = tf.tensor1d(rng.fillNormal(new Float32Array(model.size)));
  const grad = await timeTensors(() => Object.values(valueAndGrad(model, wt, batch)), reps);
  const mini = await timeTensors(() => Object.values(minibatchValueAndGrad(model, wt, batch, rng.permutation(N).subarray(0, 20))), reps * 4);
  const hvpMs = await timeTensors(() => [hvp(model, wt, batch, v)], reps);
  const session = hvpSession(model, wt, batch);
  const hvpSessionMs = await timeTensors(() => [session.hvp(v)], reps);
  session.dispose();
  const first60 = sliceBatch(batch, 0, 60);
  const pe60 = await timeTensors(() => [perExampleGradients(model, wt, first60)], reps);
  tf.dispose([first60.x, first60.y!]);
  const pe1200 = await timeTensors(() => [perExampleGradients(model, wt, batch)], Math.min(reps, 3));

  // Covariance top-20 from 60 minibatch gradients (m = 20, one shuffled pass of 1200 images).
  const covGrads = async (): Promise<Float32Array[]> => {
    const order = rng.permutation(N);
    const out: Float32Array[] = [];
    for (let b = 0; b < 60; b++) {
      const { value, grad: g } = minibatchValueAndGrad(model, wt, batch, order.subarray(b * 20, (b + 1) * 20));
      out.push(await readFloat32(g));
      tf.dispose([value, g]);
    }
    return out;
  };
  const gradsOnly: number[] = [];
  const withTop20: number[] = [];
  for (let r = 0; r < Math.min(reps, 3); r++) {
    let t0 = performance.now();
    await covGrads();
    gradsOnly.push(performance.now() - t0);
    t0 = performance.now();
    const cov = minibatchCovariance(await covGrads());
    await cov.topK(20);
    withTop20.push(performance.now() - t0);
  }

  // Lanczos top-20 at two points of GD pre-training (after 60 and after 400 steps): cold at w_a; 10 SGD steps
  // (lr 0.07, m = 20) to w_b; warm at w_b from w_a's 20 vectors and from its leading 10; cold at w_b.
  const opts = { k: 20, tol: 1e-3, tolPairs: 5 };
  const runLanczos = async (at: Float32Array, start?: readonly Float64Array[]) => {
    const op = hessianOperator(model, at, batch);
    const t0 = performance.now();
    const res = await lanczos(op, { ...opts, seed: 7, start });
    const ms = performance.now() - t0;
    op.dispose();
    return lanczosSummary(res, ms);
  };
  const lanczosAt = async (wa: Float32Array) => {
    const op = hessianOperator(model, wa, batch);
    const t0 = performance.now();
    const coldA = await lanczos(op, { ...opts, seed: 7 });
    const coldMs = performance.now() - t0;
    op.dispose();
    const wb = Float32Array.from(wa);
    for (let s = 0; s < 10; s++) {
      const { value, grad: g } = minibatchValueAndGrad(model, wb, batch, rng.permutation(N).subarray(0, 20));
      const gd = await readFloat32(g);
      for (let j = 0; j < wb.length; j++) wb[j] = wb[j]! - 0.07 * gd[j]!;
      tf.dispose([value, g]);
    }
    return {
      coldAtStart: lanczosSummary(coldA, coldMs),
      warmAfter10SgdSteps: await runLanczos(wb, coldA.eigenvectors),
      warmFromLeading10After10SgdSteps: await runLanczos(wb, coldA.eigenvectors.slice(0, 10)),
      coldAfter10SgdSteps: await runLanczos(wb),
    };
  };
  const after60 = await lanczosAt(w);
  for (let i = 60; i < 400; i++) {
    const { grad: g } = await valueAndGradRead(model, w, batch);
    for (let j = 0; j < w.length; j++) w[j] = w[j]! - 0.1 * g[j]!;
  }
  const after400 = await lanczosAt(w);
  tf.dispose([wt, v, batch.x, batch.y!]);

  return {
    ...backendFields(info),
    versions: info.versions,
    model: { name: model.name, parameters: model.size },
    images: { n: N, source },
    pretrainGdSteps: { steps: 60, lr: 0.1, ms: Math.round(pretrainMs) },
    fullBatchGradientMs: grad,
    minibatch20GradientMs: mini,
    hvpDoubleBackpropMs: hvpMs,
    hvpDoubleBackpropInGradients: hvpMs / grad,
    hvpReusedPassMs: hvpSessionMs,
    hvpReusedPassInGradients: hvpSessionMs / grad,
    perExampleGradients60Ms: pe60,
    perExampleGradients1200Ms: pe1200,
    perExampleGradients1200InGradients: pe1200 / grad,
    covarianceTop20: {
      sixtyMinibatchGradientsMs: median(gradsOnly),
      gradientsPlusCovariancePlusTop20Ms: median(withTop20),
      ratio: median(withTop20) / median(gradsOnly),
    },
    lanczosTop20: { tolerance: opts, after60GdSteps: after60, after400GdSteps: after400 },
  };
}
