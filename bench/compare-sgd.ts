/**
 * The sgd-noise side of `npm run bench -- compare`: times the compared operations with the chosen backend (native or wasm), in this
 * process (one thread) or, run as a script on an exchange directory, in a fresh process with N wasm threads:
 * `node --import tsx bench/compare-sgd.ts DIR THREADS` prints `{threads, ms, lanczosMatvecs}` as one JSON line.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { evaluateClassifier } from '../stages/dynamics/evaluate.ts';
import { createCnn } from '../stages/models/cnn.ts';
import { hessianOperator, hvp, hvpSession, minibatchValueAndGrad, valueAndGrad } from '../stages/models/curvature.ts';
import type { Batch, FlatModel } from '../stages/models/model.ts';
import { lanczos } from '../stages/numerics/lanczos.ts';
import { initBackend, type BackendName } from '../stages/tf/backend.ts';
import { median, medianMs, timeIt } from './timing.ts';

/** What the timed operations run on. */
export interface SgdTimingInputs {
  readonly model: FlatModel;
  readonly w: Float32Array;
  readonly v: Float32Array;
  readonly batch: Batch;
  readonly testBatch: Batch;
  /** 60 × 20 training indices, minibatch b at [20b, 20b + 20). */
  readonly minibatches: Int32Array;
  readonly lanczosOptions: { k: number; tol: number; tolPairs: number; seed: number };
  readonly reps: number;
  readonly lanczosRuns: number;
  readonly evalChunk: number;
}

/** Median milliseconds per compared operation (keys as in compare.json), and the last Lanczos result. */
export interface SgdTimings {
  readonly ms: Record<string, number>;
  readonly lanczos: Awaited<ReturnType<typeof lanczos>>;
}

/** Reads the tensors back to JS (as the stages do) and disposes them. */
function readBack(f: () => tf.Tensor[]): void {
  const ts = f();
  for (const t of ts) t.dataSync();
  tf.dispose(ts);
}

/** Times every compared operation with the active tfjs backend. */
export async function timeSgdNoise(o: SgdTimingInputs): Promise<SgdTimings> {
  const { model, w, batch, testBatch, minibatches, reps } = o;
  const wt = tf.tensor1d(w);
  const vt = tf.tensor1d(o.v);
  const ms: Record<string, number> = {};
  try {
    ms.fullBatchGradient = medianMs(() => readBack(() => Object.values(valueAndGrad(model, wt, batch))), reps);
    let mb = 0;
    const nextMinibatch = () => {
      const b = mb++ % 60;
      return minibatches.subarray(b * 20, b * 20 + 20);
    };
    ms.minibatch20Gradient = medianMs(() => readBack(() => Object.values(minibatchValueAndGrad(model, wt, batch, nextMinibatch()))), reps * 4);
    ms.hvp = medianMs(() => readBack(() => [hvp(model, wt, batch, vt)]), reps);
    const session = hvpSession(model, wt, batch);
    ms.hvpReusedPass = medianMs(() => readBack(() => [session.hvp(vt)]), reps);
    session.dispose();
    const evaluate = () => evaluateClassifier(model, w, testBatch, { chunk: o.evalChunk }); // async: awaited per timing
    await evaluate();
    const evalTimes: number[] = [];
    for (let i = 0; i < Math.max(3, reps >> 1); i++) evalTimes.push(await timeIt(evaluate));
    ms.evaluateTest = median(evalTimes);
    ms.sixtyMinibatchGradients = medianMs(() => {
      for (let b = 0; b < 60; b++) readBack(() => Object.values(minibatchValueAndGrad(model, wt, batch, minibatches.subarray(b * 20, b * 20 + 20))));
    }, Math.max(3, reps >> 1));
    const times: number[] = [];
    let lz: SgdTimings['lanczos'] | undefined;
    for (let r = 0; r < o.lanczosRuns; r++) {
      const t0 = performance.now();
      const op = hessianOperator(model, wt, batch);
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

/** The arrays of an exchange directory written by `writeExchange` (compare.ts), by name, and its settings. */
export function readExchange(dir: string): { arrays: Record<string, Float32Array | Float64Array | Int32Array>; settings: Record<string, unknown> } {
  const header = JSON.parse(readFileSync(path.join(dir, 'header.json'), 'utf8')) as {
    arrays: Record<string, { dtype: string; shape: number[]; offset: number }>;
    settings: Record<string, unknown>;
  };
  const data = readFileSync(path.join(dir, 'data.bin'));
  const arrays: Record<string, Float32Array | Float64Array | Int32Array> = {};
  for (const [name, a] of Object.entries(header.arrays)) {
    const count = a.shape.reduce((p, d) => p * d, 1);
    const Ctor = a.dtype === 'float32' ? Float32Array : a.dtype === 'float64' ? Float64Array : Int32Array;
    const bytes = data.subarray(a.offset, a.offset + count * Ctor.BYTES_PER_ELEMENT);
    arrays[name] = new Ctor(new Uint8Array(bytes).buffer); // a copy: aligned for the typed array
  }
  return { arrays, settings: header.settings };
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
  const s = settings as { reps: number; evalChunk: number; lanczos: { k: number; tol: number; tolPairs: number; runs: number; seed: number } };
  const { ms, lanczos: lz } = await timeSgdNoise({
    model,
    w: arrays.w as Float32Array,
    v: arrays.v as Float32Array,
    batch,
    testBatch,
    minibatches: arrays.minibatches as Int32Array,
    lanczosOptions: { k: s.lanczos.k, tol: s.lanczos.tol, tolPairs: s.lanczos.tolPairs, seed: s.lanczos.seed },
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
