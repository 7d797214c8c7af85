/**
 * Noisy gradient dynamics of a network from a given start point (paper §5): θ ← θ − η(∇L(θ) + ξ), ξ ~ N(0, Σ_kind),
 * with the kind's statistics refreshed every `refresh` iterations, or, for `sgd`, the gradient of a random
 * minibatch of m examples, or, for the M-SGD kinds, the gradient of the loss with example weights drawn every step. Logs training, clean / random-label and test metrics on a schedule and keeps the weights
 * at the checkpoints for later curvature probing.
 */
import { tf } from '../tf/tfjs.ts';
import type { Batch, FlatModel } from '../models/model.ts';
import type { NoiseConfig, NoiseKindName, NoiseNeeds, NoiseSampler, NoiseStats } from '../noise/kind.ts';
import { noisyStep } from '../noise/placement.ts';
import { noiseKind } from '../noise/registry.ts';
import type { Rng } from '../numerics/random.ts';
import { readAll } from '../tf/read.ts';
import { runDynamicsOnDevice } from './device-loop.ts';
import { evaluateClassifier } from '../models/evaluate.ts';
import { logRow, noiseStatistics, stepValueAndGrad } from './loop-parts.ts';
import { SharpnessTrack, type SharpnessPoint, type SharpnessTrackOptions } from './sharpness-track.ts';
import { HessianTracker, type EigvecMethod, type HessianRefresh, type HessianTopKOptions } from './statistics.ts';

/** Settings of one dynamics run. */
export interface DynamicsOptions {
  model: FlatModel;
  w0: Float32Array;
  train: Batch;
  /** 1 for training examples with random labels (their accuracy is logged apart), else 0. */
  randomized?: Uint8Array;
  test?: Batch;
  kind: NoiseKindName;
  noise: NoiseConfig;
  lr: number;
  /** SGD's batch size m, also the batch size at which Σ is estimated. */
  batchSize: number;
  refresh: number;
  /**
   * `every` (default): noise on every step, from the statistics of the last refresh. `refresh`: noise only on the
   * iterations that refresh the statistics, plain GD on the others (the released FashionMNIST/gld_lead.py).
   */
  noiseSteps?: 'every' | 'refresh';
  iterations: number;
  /** Iterations at which metrics are logged (0 = the start point is always logged). */
  logEvery: number;
  /** Iterations at which the weights are kept. */
  checkpoints: readonly number[];
  hessian: HessianTopKOptions;
  /** How a top-1 Hessian eigenvector is found (default Lanczos); `power` serves only kinds that need k = 1. */
  hessianEigvec?: EigvecMethod;
  /** Examples per chunk for full-batch gradients and evaluation (bounds memory for large models). */
  chunkSize?: number;
  /** λ_max of the full-batch Hessian at 0, every `every` iterations and the last (stages/dynamics/sharpness-track.ts); absent: none. */
  sharpnessTrack?: SharpnessTrackOptions;
  /** Replaces the default statistics (Σ from one shuffled pass of minibatches, warm-started Hessian top-k). */
  statistics?: (w: Float32Array, needs: NoiseNeeds) => Promise<NoiseStats>;
  rng: Rng;
  /** After every iteration: `done` of `total`, and the latest log row (its evaluations; none adds work). */
  onProgress?(done: number, total: number, latest: DynamicsLog | undefined): void;
  signal?: AbortSignal;
}

/** One row of the log. */
export interface DynamicsLog {
  iteration: number;
  trainLoss: number;
  trainAccuracy: number;
  cleanAccuracy: number | null;
  randomAccuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  /** Tr Σ_kind of the noise in force (0 for gd, sgd and the M-SGD kinds, whose noise is inside the gradient). */
  noiseTrace: number;
}

/** The log, the final weights, the checkpointed weights and the cost of the statistics. */
export interface DynamicsResult {
  log: DynamicsLog[];
  final: Float32Array;
  checkpoints: { iteration: number; w: Float32Array }[];
  refreshes: number;
  hessianHvps: number;
  /** Cost and quality of every Hessian top-k refresh (empty for kinds that use no Hessian). */
  hessianRefreshes: HessianRefresh[];
  /** λ_max along the run (empty without `sharpnessTrack`). */
  sharpness?: SharpnessPoint[];
}

/**
 * Runs the dynamics; throws naming the iteration if the loss or the parameters stop being finite. On webgpu the
 * weights stay on the GPU (stages/dynamics/device-loop.ts); elsewhere they are a Float32Array updated in place.
 */
export async function runDynamics(o: DynamicsOptions): Promise<DynamicsResult> {
  if (tf.getBackend() === 'webgpu') return runDynamicsOnDevice(o);
  const kind = noiseKind(o.kind);
  const needs = kind.needs(o.noise);
  const weights = new Float64Array(needs.exampleWeights ? o.train.x.shape[0]! : 0);
  const w = Float32Array.from(o.w0);
  const xi = new Float32Array(w.length);
  const tracker = new HessianTracker(o.model, o.train, o.hessian, o.rng.nextUint32());
  const track = o.sharpnessTrack ? new SharpnessTrack(o.model, o.train, o.sharpnessTrack) : undefined;
  const log: DynamicsLog[] = [];
  const checkpoints: { iteration: number; w: Float32Array }[] = [];
  const wanted = new Set(o.checkpoints);
  let sampler: NoiseSampler | undefined;
  let refreshes = 0;

  const record = async (iteration: number) => {
    const tr = await evaluateClassifier(o.model, w, o.train, { groups: o.randomized, chunk: o.chunkSize });
    const te = o.test ? await evaluateClassifier(o.model, w, o.test, { chunk: o.chunkSize }) : undefined;
    log.push(logRow(o, iteration, tr, te, sampler?.trace ?? 0));
  };
  if (wanted.has(0)) checkpoints.push({ iteration: 0, w: Float32Array.from(w) });
  if (track) await track.measure(w, 0);

  for (let t = 1; t <= o.iterations; t++) {
    o.signal?.throwIfAborted();
    const refreshing = !needs.minibatchGradient && !needs.exampleWeights && (sampler === undefined || (t - 1) % o.refresh === 0);
    if (refreshing) {
      const stats = await noiseStatistics(o, needs, tracker, w);
      sampler = kind.build(stats, o.noise);
      refreshes++;
    }
    if (t === 1) await record(0);
    const { value, grad } = stepValueAndGrad(o, kind, needs, w, weights);
    let g: Float32Array;
    let loss: number;
    try {
      const [gv, lv] = await readAll([grad, value]);
      g = gv as Float32Array;
      loss = lv![0]!;
    } finally {
      tf.dispose([value, grad]);
    }
    if (!Number.isFinite(loss)) throw new Error(`${o.kind} diverged at iteration ${t}: loss ${loss}`);
    const noisy = sampler !== undefined && !sampler.isZero && (refreshing || o.noiseSteps !== 'refresh');
    const noise = noisy ? sampler!.sample(o.rng, xi) : undefined;
    noisyStep(w, g, o.lr, noise, { kind: 'gradient' });
    if (!w.every(Number.isFinite)) throw new Error(`${o.kind} diverged at iteration ${t}: non-finite parameters`);
    if (t % o.logEvery === 0 || t === o.iterations) await record(t);
    if (track?.due(t, o.iterations)) await track.measure(w, t);
    if (wanted.has(t)) checkpoints.push({ iteration: t, w: Float32Array.from(w) });
    o.onProgress?.(t, o.iterations, log.at(-1));
  }
  if (o.iterations === 0) await record(0);
  return { log, final: w, checkpoints, refreshes, hessianHvps: tracker.hvps, hessianRefreshes: tracker.refreshes, sharpness: track?.points ?? [] };
}
