/**
 * The sgd-noise side of `npm run bench -- compare`: times the compared operations with the chosen backend (native,
 * wasm or webgpu), in this process (one thread, or the GPU) or, run as a script on an exchange directory, in a fresh
 * process with N wasm threads: `node --import tsx bench/compare-sgd.ts DIR THREADS` prints `{threads, ms,
 * lanczosMatvecs}` as one JSON line. Every timed operation ends by awaiting the read of its results (bench/reads.ts),
 * which on webgpu waits for the GPU.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createCnn } from '../stages/models/cnn.ts';
import { hvp, hvpSession, minibatchValueAndGrad, valueAndGrad, hessianOperator } from '../stages/models/curvature.ts';
import type { Batch, FlatModel } from '../stages/models/model.ts';
import { lanczos } from '../stages/numerics/lanczos.ts';
import { initBackend, type BackendName } from '../stages/tf/backend.ts';
import { readExchange } from './exchange.ts';
import { readBack } from './reads.ts';
import { evaluateClassifier } from '../stages/models/evaluate.ts';
import { median, medianMsAsync } from './timing.ts';

export { readExchange };

/** What the timed operations run on. */
export interface SgdTimingInputs {
  readonly model: FlatModel;
  readonly w: Float32Array;
  readonly v: Float32Array;
  readonly batch: Batch;
  readonly testBatch: Batch;
  /** B × 20 training indices (B = 60 at N = 1200), minibatch b at [20b, 20b + 20). */
  readonly minibatches: Int32Array;
  readonly lanczosOptions: { k: number; tol: number; tolPairs: number; seed: number; maxIter?: number };
  readonly reps: number;
  readonly lanczosRuns: number;
  readonly evalChunk: number;
}

/** Median milliseconds per compared operation (keys as in compare.json), and the last Lanczos result. */
export interface SgdTimings {
  readonly ms: Record<string, number>;
  readonly lanczos: Awaited<ReturnType<typeof lanczos>>;
}

/** Times every compared operation with the active tfjs backend. */
export async function timeSgdNoise(o: SgdTimingInputs): Promise<SgdTimings> {
  const { model, w, batch, testBatch, minibatches, reps } = o;
  const wt = tf.tensor1d(w);
  const vt = tf.tensor1d(o.v);
  const ms: Record<string, number> = {};
  try {
    ms.fullBatchGradient = await medianMsAsync(() => readBack(() => Object.values(valueAndGrad(model, wt, batch))), reps);
    const count = minibatches.length / 20;
    let mb = 0;
    const nextMinibatch = () => {
      const b = mb++ % count;
      return minibatches.subarray(b * 20, b * 20 + 20);
    };
    ms.minibatch20Gradient = await medianMsAsync(() => readBack(() => Object.values(minibatchValueAndGrad(model, wt, batch, nextMinibatch()))), reps * 4);
    ms.hvp = await medianMsAsync(() => readBack(() => [hvp(model, wt, batch, vt)]), reps);
    const session = hvpSession(model, wt, batch);
    ms.hvpReusedPass = await medianMsAsync(() => readBack(() => [session.hvp(vt)]), reps);
    session.dispose();
    ms.evaluateTest = await medianMsAsync(() => evaluateClassifier(model, w, testBatch, { chunk: o.evalChunk }), Math.max(3, reps >> 1));
    ms.sixtyMinibatchGradients = await medianMsAsync(
      async () => {
        for (let b = 0; b < count; b++) await readBack(() => Object.values(minibatchValueAndGrad(model, wt, batch, minibatches.subarray(b * 20, b * 20 + 20))));
      },
      Math.max(3, reps >> 1),
    );
    const times: number[] = [];
    let lz: SgdTimings['lanczos'] | undefined;
    for (let r = 0; r < o.lanczosRuns; r++) {
      const t0 = performance.now();
      const op = hessianOperator(model, w, batch);
      lz = await lanczos(op, o.lanczosOptions);
      op.dispose();
      times.push(performance.now() - t0);
    }
    ms.lanczos = median(times);
    return { ms, lanczos: lz! };
  } finally {
    tf.dispose([wt, vt]);
  }
}

/** Script mode: time on an exchange directory with THREADS wasm threads on BACKEND and print one JSON line. */
async function main(dir: string, threads: number, backend: BackendName): Promise<void> {
  const info = await initBackend(backend, { threads });
  const { arrays, settings } = readExchange(dir);
  const model = createCnn();
  const train = arrays.y_train!.length;
  const test = arrays.y_test!.length;
  const batch: Batch = { x: tf.tensor4d(arrays.x_train as Float32Array, [train, 28, 28, 1]), y: tf.tensor1d(arrays.y_train as Int32Array, 'int32') };
  const testBatch: Batch = { x: tf.tensor4d(arrays.x_test as Float32Array, [test, 28, 28, 1]), y: tf.tensor1d(arrays.y_test as Int32Array, 'int32') };
  const s = settings as {
    reps: number;
    evalChunk: number;
    lanczos: { k: number; tol: number; tolPairs: number; runs: number; seed: number; maxIter?: number };
  };
  const { ms, lanczos: lz } = await timeSgdNoise({
    model,
    w: arrays.w as Float32Array,
    v: arrays.v as Float32Array,
    batch,
    testBatch,
    minibatches: arrays.minibatches as Int32Array,
    lanczosOptions: {
      k: s.lanczos.k,
      tol: s.lanczos.tol,
      tolPairs: s.lanczos.tolPairs,
      seed: s.lanczos.seed,
      ...(s.lanczos.maxIter ? { maxIter: s.lanczos.maxIter } : {}),
    },
    reps: s.reps,
    lanczosRuns: s.lanczos.runs,
    evalChunk: s.evalChunk,
  });
  process.stdout.write(`${JSON.stringify({ threads: info.threads, ms, lanczosMatvecs: lz.matvecs })}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2]!, Number(process.argv[3]), (process.argv[4] ?? 'wasm') as BackendName).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
