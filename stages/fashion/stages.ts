/**
 * The Fashion-MNIST experiment (paper Fig. 3) as stages: data (1000 clean + 200 random labels, test set) →
 * pre-training to a sharp minimum per seed → one dynamics per (kind, seed) → curvature probing at the start point
 * (Tr(HΣ_kind) of every kind) and at each dynamics' checkpoints → a summary over seeds.
 */
import { join } from 'node:path';
import { tf } from '../tf/tfjs.ts';
import { NDArray, type LoadedArtifacts } from '../../cache/values.ts';
import { dep, inputs as allOf, named, type ParamsOf, type StageHandle } from '../../pipeline/deps.ts';
import { defineStage, type ConfigReader, type StageContext } from '../../pipeline/stage.ts';
import {
  fashionDataOutputs,
  fashionDynamicsOutputs,
  fashionPretrainOutputs,
  fashionProbeOutputs,
  fashionStartProbeOutputs,
  fashionSummaryOutputs,
} from './outputs.ts';
import { FASHION_FILES, locateFashionMnist, readFashionSplit } from '../data/fashion-mnist.ts';
import { evaluateClassifier } from '../models/evaluate.ts';
import { pretrainGd } from '../dynamics/pretrain.ts';
import type { SharpnessPoint, SharpnessTrackOptions } from '../dynamics/sharpness-track.ts';
import { probeCurvature, type ProbeOptions, type ProbeResult } from '../dynamics/probe.ts';
import { dynamicsMetrics } from '../dynamics/progress-metrics.ts';
import { runDynamics } from '../dynamics/run.ts';
import { createCnn } from '../models/cnn.ts';
import type { Batch } from '../models/model.ts';
import type { NoiseConfig, NoiseKindName } from '../noise/kind.ts';
import { NOISE_KINDS, type NoiseKinds } from '../noise/registry.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend, recordBackend, type BackendName, gpusForBackend } from '../tf/backend.ts';
import { runExcursion } from '../dynamics/excursion.ts';
import { fashionConfig } from './config.ts';
import { dynamicsCost, indicatorCost, pretrainCost, probeCost } from './cost.ts';
import { normalizePixels, prepareFashion } from './data.ts';
import { noiseKeyPaths, readKindSettings, readShapeConfig } from './kind-settings.ts';
import { seedIndices } from '../seeds.ts';

/** Seed indices 0..fashion.seeds−1. */
export const seedsOf = (cfg: ConfigReader) => seedIndices(cfg, 'fashion.seeds');

/** One input per seed of fashion.seeds, named `<prefix><seed>`, on `stage`'s instance for that seed (typed by its outputs). */
export const seedInputs = <const Pre extends string, S extends StageHandle<{ seed: number }>>(prefix: Pre, stage: S, cfg: ConfigReader) =>
  named(
    prefix,
    seedsOf(cfg).map((seed) => [`${seed}`, dep(stage, { seed } as ParamsOf<S>)] as const),
  );
/** The noise kinds of `fashion.dynamics.kinds`. */
export const kindsOf = (cfg: ConfigReader) => fashionConfig(cfg)('dynamics.kinds');

/** Tensors of the training set (with random labels) and the test set from the data stage's outputs. */
export function batches(data: LoadedArtifacts): { train: Batch; test: Batch; randomized: Uint8Array; dispose(): void } {
  const arr = (name: string) => data[name] as NDArray<Uint8Array>;
  const trainImages = arr('trainImages');
  const testImages = arr('testImages');
  const n = trainImages.shape[0]!;
  const m = testImages.shape[0]!;
  const train = { x: tf.tensor4d(normalizePixels(trainImages.data), [n, 28, 28, 1]), y: tf.tensor1d(Int32Array.from(arr('trainLabels').data), 'int32') };
  const test = { x: tf.tensor4d(normalizePixels(testImages.data), [m, 28, 28, 1]), y: tf.tensor1d(Int32Array.from(arr('testLabels').data), 'int32') };
  return { train, test, randomized: arr('randomized').data, dispose: () => tf.dispose([train.x, train.y, test.x, test.y]) };
}

/** Config paths of the noise-shaping keys of every kind that runs. */
export const shapeKeyPaths = (cfg: ConfigReader, kinds: NoiseKinds = NOISE_KINDS) => kindsOf(cfg).flatMap((kind) => noiseKeyPaths(kind, kinds));

/** A kind's noise config from its shaping keys alone. */
export function shapeConfig(ctx: StageContext, kind: NoiseKindName): NoiseConfig {
  return readShapeConfig(ctx.config, kind);
}

/** Settings of curvature probing from `fashion.probe`. */
function probeOptions(ctx: StageContext, rng: Rng, test?: Batch): ProbeOptions {
  const fashion = fashionConfig(ctx.config);
  const p = fashion('probe');
  return { ...p, batchSize: fashion('dynamics.batchSize'), rng, ...(p.sharpness.mode === 'absolute' ? { test } : {}) };
}

/** Locates Fashion-MNIST, takes the first N training images, randomises the labels of the last R. */
export const fashionDataStage = defineStage({
  id: 'fashion.data',
  version: 1,
  outputs: fashionDataOutputs,
  description: 'fashion: first N training images (last R with random labels) and the test set',
  reads: ['seed', 'fashion.data'],
  // A configured directory's files are hashed into the key, so a replaced file reruns everything below. The Debian
  // package and the download cache hold the fixed official files (FASHION_SHA256; downloads are verified).
  files: (_p, cfg): Record<string, string> => {
    const dir = fashionConfig(cfg)('data.path');
    return dir === null ? {} : Object.fromEntries(Object.entries(FASHION_FILES).map(([name, file]) => [name, join(dir, file)]));
  },
  async run(ctx) {
    const fashion = fashionConfig(ctx.config);
    const path = fashion('data.path');
    const where = await locateFashionMnist({
      configured: path,
      download: fashion('data.download'),
      log: (line) => ctx.log(line),
      progress: (done, total, note) => ctx.progress(done, total, note),
      signal: ctx.signal,
    });
    ctx.setMeta('source', `${where.source}: ${where.dir}`);
    const train = readFashionSplit(where.dir, 'train', fashion('data.train'));
    const test = readFashionSplit(where.dir, 'test', fashion('data.test'));
    const d = prepareFashion(train, test, fashion('data.train'), fashion('data.randomLabels'), new Rng(ctx.seed), fashion('data.randomLabelsFrom'));
    const n = d.trainLabels.length;
    return {
      trainImages: new NDArray(d.trainImages, [n, 28, 28]),
      trainLabels: d.trainLabels,
      originalLabels: d.originalLabels,
      randomized: d.randomized,
      changed: d.changed,
      testImages: new NDArray(d.testImages, [d.testLabels.length, 28, 28]),
      testLabels: d.testLabels,
      summary: {
        train: n,
        randomLabels: d.randomized.reduce((a, b) => a + b, 0),
        changedLabels: d.changed.reduce((a, b) => a + b, 0),
        test: d.testLabels.length,
      },
    };
  },
});

/** Full-batch GD from the truncated-normal initialisation to a sharp minimum that fits every label (or for a fixed length). */
export const fashionPretrainStage = defineStage({
  id: 'fashion.pretrain',
  version: 3, // 3: the λ_max track, the first fit (its test accuracy and λ_max), fashion.pretrain.iterations
  description: 'fashion: GD pre-training until the training set (random labels included) is fit, or for fashion.pretrain.iterations',
  isolate: true,
  gpus: gpusForBackend,
  threads: () => Infinity, // wasm threads, bit-identical results (stages/tf/wasm-threads.ts)
  instances: (cfg) => seedsOf(cfg).map((seed) => ({ seed })),
  reads: ['seed', 'backend', 'fashion.pretrain', 'fashion.sharpnessTrack'],
  outputs: fashionPretrainOutputs,
  deps: () => ({ data: dep(fashionDataStage) }),
  cost: (_p, cfg) => pretrainCost(cfg),
  costNote:
    'an upper bound, to fashion.pretrain.maxIterations (GD stops once the training set is fit; on quick at half the cap), exact with fashion.pretrain.iterations',
  async run(ctx, inputs) {
    const fashion = fashionConfig(ctx.config);
    const info = await initBackend(ctx.config<BackendName>('backend'), { threads: ctx.threads });
    recordBackend(ctx, info);
    const model = createCnn();
    const { train, test, randomized, dispose } = batches(inputs.data!);
    const track = sharpnessTrackOptions(ctx, 'pretrainEvery');
    try {
      const r = await pretrainGd(model, model.init(new Rng(ctx.seed)), train, {
        lr: fashion('pretrain.lr'),
        maxIterations: fashion('pretrain.maxIterations'),
        targetAccuracy: fashion('pretrain.targetAccuracy'),
        iterations: fashion('pretrain.iterations'),
        checkEvery: fashion('pretrain.checkEvery'),
        test,
        track,
        signal: ctx.signal,
        onProgress: (done, total, acc) => ctx.progress(done, total, `train acc ${(100 * acc).toFixed(1)}%`),
      });
      const tr = await evaluateClassifier(model, r.w, train, { groups: randomized });
      const te = await evaluateClassifier(model, r.w, test);
      const end = r.sharpness.at(-1);
      const fit = r.firstFit;
      return {
        w: r.w,
        log: r.log.map((l) => ({ ...l })),
        sharpness: r.sharpness,
        sharpnessVector: r.sharpnessVector ? Float32Array.from(r.sharpnessVector) : undefined,
        summary: {
          seed: ctx.params.seed,
          iterations: r.iterations,
          reached: r.reached,
          trainLoss: tr.loss,
          trainAccuracy: tr.accuracy,
          cleanAccuracy: tr.groupAccuracy!.zero,
          randomAccuracy: tr.groupAccuracy!.one,
          testLoss: te.loss,
          testAccuracy: te.accuracy,
          lambdaMax: end?.lambdaMax ?? null,
          lambdaMaxResidual: end?.relativeResidual ?? null,
          firstFitIteration: fit?.iteration ?? null,
          firstFitTrainLoss: fit?.trainLoss ?? null,
          // an early stop ends at the first fit: its test accuracy is the end's
          firstFitTestAccuracy: fit ? (fit.iteration === r.iterations ? te.accuracy : fit.testAccuracy) : null,
          firstFitLambdaMax: fit?.lambdaMax ?? null,
        },
      };
    } finally {
      dispose();
    }
  },
});

/** The λ_max track's settings from `fashion.sharpnessTrack` (undefined when disabled), seeded apart from the run's own stream. */
function sharpnessTrackOptions(ctx: StageContext, every: 'pretrainEvery' | 'dynamicsEvery', start?: Float32Array): SharpnessTrackOptions | undefined {
  const t = fashionConfig(ctx.config)('sharpnessTrack');
  if (!t.enabled) return undefined;
  return { every: t[every], tol: t.tol, maxIter: t.maxIter, seed: (ctx.seed ^ SHARPNESS_SEED) >>> 0, start: start ? Float64Array.from(start) : undefined };
}
/** Mixed into a stage's seed for the λ_max track's Lanczos start, so the track draws nothing from the run's stream. */
const SHARPNESS_SEED = 0x5a4e7e11;

/** One noise kind's dynamics from the sharp minimum of one seed. */
export const fashionDynamicsStage = defineStage({
  id: 'fashion.dynamics',
  version: 3, // 3: the λ_max track (fashion.sharpnessTrack)
  outputs: fashionDynamicsOutputs,
  description: 'fashion: noisy dynamics of one kind from the sharp minimum',
  isolate: true,
  gpus: gpusForBackend,
  // wasm threads (bit-identical results, stages/tf/wasm-threads.ts) pay off on full batches; SGD's minibatch-20 steps
  // took 9.5 ms with 2 threads against 6.4 ms with 1 (`npm run bench -- compare`), so sgd runs on one, as does M-SGD
  // Bernoulli (a random subset of mean size m per step).
  threads: (p: { kind: string }) => (p.kind === 'sgd' || NOISE_KINDS[p.kind as NoiseKindName]?.exampleWeights?.subset ? 1 : Infinity),
  instances: (cfg) => kindsOf(cfg).flatMap((kind) => seedsOf(cfg).map((seed) => ({ kind, seed }))),
  reads: (p) => [
    'seed',
    'backend',
    'fashion.dynamics.iterations',
    'fashion.dynamics.lr',
    'fashion.dynamics.batchSize',
    'fashion.dynamics.logEvery',
    'fashion.dynamics.checkpoints',
    'fashion.dynamics.hessian',
    `fashion.dynamics.${p.kind}`,
    'fashion.sharpnessTrack',
  ],
  deps: (p) => ({ data: dep(fashionDataStage), start: dep(fashionPretrainStage, { seed: p.seed }) }),
  cost: (p, cfg) => dynamicsCost(p.kind as NoiseKindName, cfg),
  costNote: 'the Lanczos HVPs of gld_hessian / gld_hessian_top1 refreshes are a model (7.27 + 2.033·k per refresh, see stages/fashion/cost.ts)',
  async run(ctx, inputs) {
    const fashion = fashionConfig(ctx.config);
    const info = await initBackend(ctx.config<BackendName>('backend'), { threads: ctx.threads });
    recordBackend(ctx, info);
    const model = createCnn();
    const { train, test, randomized, dispose } = batches(inputs.data!);
    const { noise, refresh, noiseSteps, eigvec } = readKindSettings(ctx.config, ctx.params.kind);
    try {
      const r = await runDynamics({
        model,
        w0: inputs.start.w.data,
        train,
        randomized,
        test,
        kind: ctx.params.kind as NoiseKindName,
        noise,
        refresh,
        noiseSteps,
        hessianEigvec: eigvec,
        lr: fashion('dynamics.lr'),
        batchSize: fashion('dynamics.batchSize'),
        iterations: fashion('dynamics.iterations'),
        logEvery: fashion('dynamics.logEvery'),
        checkpoints: fashion('dynamics.checkpoints'),
        hessian: fashion('dynamics.hessian'),
        sharpnessTrack: sharpnessTrackOptions(ctx, 'dynamicsEvery', inputs.start.sharpnessVector?.data),
        rng: new Rng(ctx.seed),
        signal: ctx.signal,
        onProgress: (done, total, latest) => ctx.progress(done, total, 'iterations', dynamicsMetrics(latest)),
      });
      ctx.setMeta('refreshes', r.refreshes);
      ctx.setMeta('hessianHvps', r.hessianHvps);
      return {
        log: r.log,
        hessianRefreshes: r.hessianRefreshes,
        sharpness: r.sharpness,
        final: r.final,
        checkpointIterations: new Int32Array(r.checkpoints.map((c) => c.iteration)),
        checkpointWeights: new NDArray(concat(r.checkpoints.map((c) => c.w)), [r.checkpoints.length, model.size]),
      };
    } finally {
      dispose();
    }
  },
});

/** Curvature, Tr(HΣ_kind) of every kind and the paper's conditions at the sharp minimum of one seed. */
export const fashionStartProbeStage = defineStage({
  id: 'fashion.indicator',
  version: 2,
  outputs: fashionStartProbeOutputs,
  description: 'fashion: Tr(HΣ) of every noise kind at the sharp minimum',
  isolate: true,
  gpus: gpusForBackend,
  threads: () => Infinity, // wasm threads, bit-identical results (stages/tf/wasm-threads.ts)
  instances: (cfg) => seedsOf(cfg).map((seed) => ({ seed })),
  reads: (_p, cfg) => ['seed', 'backend', 'fashion.probe', 'fashion.dynamics.batchSize', 'fashion.dynamics.kinds', ...shapeKeyPaths(cfg)],
  deps: (p) => ({ data: dep(fashionDataStage), start: dep(fashionPretrainStage, { seed: p.seed }) }),
  cost: (_p, cfg) => indicatorCost(cfg),
  costNote: 'the Lanczos HVPs are a model (7.27 + 2.033·topK, see stages/fashion/cost.ts)',
  async run(ctx, inputs) {
    await initBackend(ctx.config<BackendName>('backend'), { threads: ctx.threads });
    const { train, test, dispose } = batches(inputs.data!);
    try {
      const kinds = fashionConfig(ctx.config)('dynamics.kinds').map((kind) => ({ kind, config: shapeConfig(ctx, kind) }));
      const probe = await probeCurvature(createCnn(), inputs.start.w.data, train, kinds, probeOptions(ctx, new Rng(ctx.seed), test));
      return { probe };
    } finally {
      dispose();
    }
  },
});

/**
 * Curvature at each checkpoint of one dynamics: Hessian top eigenvalues, TrH, Tr(HΣ), Tr(HΣ̄), sharpness, and
 * Tr(HΣ_kind) of the dynamics' own noise with its statistics taken at that point.
 */
export const fashionProbeStage = defineStage({
  id: 'fashion.probe',
  version: 3,
  outputs: fashionProbeOutputs,
  description: 'fashion: curvature probing at the checkpoints of one dynamics, with its own noise’s Tr(HΣ_kind)',
  isolate: true,
  gpus: gpusForBackend,
  threads: () => Infinity, // wasm threads, bit-identical results (stages/tf/wasm-threads.ts)
  instances: (cfg) => kindsOf(cfg).flatMap((kind) => seedsOf(cfg).map((seed) => ({ kind, seed }))),
  reads: (p) => ['seed', 'backend', 'fashion.probe', 'fashion.dynamics.batchSize', ...noiseKeyPaths(p.kind)],
  deps: (p) => ({ data: dep(fashionDataStage), dynamics: dep(fashionDynamicsStage, p) }),
  cost: (p, cfg) => probeCost(p.kind as NoiseKindName, cfg),
  costNote: 'the Lanczos HVPs per checkpoint are a model (7.27 + 2.033·topK, see stages/fashion/cost.ts)',
  async run(ctx, inputs) {
    await initBackend(ctx.config<BackendName>('backend'), { threads: ctx.threads });
    const { train, test, dispose } = batches(inputs.data!);
    const its = inputs.dynamics.checkpointIterations.data;
    const weights = inputs.dynamics.checkpointWeights;
    const D = weights.shape[1]!;
    const rng = new Rng(ctx.seed);
    const points: (ProbeResult & { iteration: number })[] = [];
    try {
      for (let c = 0; c < its.length; c++) {
        const w = weights.data.subarray(c * D, (c + 1) * D);
        const own = [{ kind: ctx.params.kind as NoiseKindName, config: shapeConfig(ctx, ctx.params.kind as NoiseKindName) }];
        const probe = await probeCurvature(createCnn(), Float32Array.from(w), train, own, probeOptions(ctx, rng, test));
        points.push({ iteration: its[c]!, ...probe });
        ctx.progress(c + 1, its.length, 'checkpoints');
      }
      return { points };
    } finally {
      dispose();
    }
  },
});

/**
 * Per kind: final training loss, fit of the random labels, test accuracy, sharpness, Tr(HΣ_kind) at the start, and the
 * run's excursion (its peak training loss and lowest random-label fit over the logged iterations).
 */
export const fashionSummaryStage = defineStage({
  id: 'fashion.summary',
  version: 5, // 4: the runs' excursions; 5: the λ_max tracks (sharpness)
  outputs: fashionSummaryOutputs,
  description: 'fashion: the sharp minimum and, per kind, where the dynamics ended (mean and range over seeds); logs and probes for the figures',
  reads: ['fashion.dynamics.kinds', 'fashion.seeds', 'fashion.pretrain.lr', 'fashion.dynamics.lr'],
  cost: () => ({}),
  deps: (_p, cfg) =>
    allOf(
      seedInputs('start_', fashionPretrainStage, cfg),
      seedInputs('ind_', fashionStartProbeStage, cfg),
      named(
        'dyn_',
        kindsOf(cfg).flatMap((kind) => seedsOf(cfg).map((seed) => [`${kind}_${seed}`, dep(fashionDynamicsStage, { kind, seed })] as const)),
      ),
      named(
        'probe_',
        kindsOf(cfg).flatMap((kind) => seedsOf(cfg).map((seed) => [`${kind}_${seed}`, dep(fashionProbeStage, { kind, seed })] as const)),
      ),
    ),
  async run(ctx, inputs) {
    const seeds = seedIndices(ctx.config, 'fashion.seeds');
    const kinds = fashionConfig(ctx.config)('dynamics.kinds');
    const stat = (xs: number[]) => ({ mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: Math.min(...xs), max: Math.max(...xs) });
    const starts = seeds.map((s) => inputs[`start_${s}`].summary);
    const table = kinds.map((kind) => {
      const last = seeds.map((s) => inputs[`dyn_${kind}_${s}`].log.at(-1)!);
      const probes = seeds.map((s) => inputs[`probe_${kind}_${s}`].points.at(-1)!);
      const atStart = seeds.map((s) => inputs[`ind_${s}`].probe.kinds.find((k) => k.kind === kind)!);
      const startLoss = stat(starts.map((x) => x.trainLoss)).mean;
      const finalLoss = stat(last.map((l) => l.trainLoss));
      const excursions = seeds.map((s) => runExcursion(inputs[`dyn_${kind}_${s}`].log));
      return {
        kind,
        traceHSigmaAtStart: stat(atStart.map((k) => k.traceHSigma)).mean,
        finalTrainLoss: finalLoss.mean,
        lossRise: finalLoss.mean / startLoss,
        randomLabelAccuracy: stat(last.map((l) => l.randomAccuracy ?? NaN)).mean,
        peakLossRise: stat(excursions.map((e) => e.peakTrainLoss)).mean / startLoss,
        lowestRandomFit: stat(excursions.map((e) => e.lowestRandomFit ?? NaN)).mean,
        testAccuracy: stat(last.map((l) => l.testAccuracy ?? NaN)).mean,
        testAccuracyMin: stat(last.map((l) => l.testAccuracy ?? NaN)).min,
        testAccuracyMax: stat(last.map((l) => l.testAccuracy ?? NaN)).max,
        sharpness: stat(probes.map((p) => p.sharpness.estimate)).mean,
      };
    });
    // Per (kind, seed): the dynamics log, and the curvature at the start point and at every checkpoint.
    const series = kinds.flatMap((kind) => seeds.flatMap((seed) => inputs[`dyn_${kind}_${seed}`].log.map((l) => ({ kind, seed, ...l }))));
    const probeRow = (kind: string, seed: number, iteration: number, p: ProbeResult) => {
      const own = p.kinds.find((k) => k.kind === kind);
      return {
        kind,
        seed,
        iteration,
        hessianTop: p.hessianTop,
        traceH: p.traceH,
        traceSigma: p.traceSigma,
        traceHSigma: p.traceHSigma,
        traceHSigmaIsotropic: p.traceHSigmaIsotropic,
        ratio: p.ratio,
        traceHSigmaOwn: own?.traceHSigma ?? null,
        sharpness: p.sharpness.estimate,
        sharpnessStderr: p.sharpness.stderr,
        // Only under the released flatness protocol (fashion.probe.sharpness.mode = absolute).
        ...(p.sharpness.mode ? { sharpnessMode: p.sharpness.mode, testAccuracyChange: p.sharpness.testAccuracyChange ?? null } : {}),
      };
    };
    const probes = kinds.flatMap((kind) =>
      seeds.flatMap((seed) => [
        probeRow(kind, seed, 0, inputs[`ind_${seed}`].probe),
        ...inputs[`probe_${kind}_${seed}`].points.filter((p) => p.iteration > 0).map((p) => probeRow(kind, seed, p.iteration, p)),
      ]),
    );
    // Per (kind, seed): what the Hessian top-k cost during the dynamics and at the probes, and its worst residual.
    const lanczosRows = kinds.flatMap((kind) =>
      seeds.map((seed) => {
        const refreshes = inputs[`dyn_${kind}_${seed}`].hessianRefreshes ?? [];
        const points = inputs[`probe_${kind}_${seed}`].points;
        const hvps = refreshes.map((r) => r.hvps);
        const probeResiduals = points.flatMap((p) => p.hessianTopResiduals ?? []);
        return {
          kind,
          seed,
          refreshes: refreshes.length,
          hvpsPerRefreshMean: hvps.length ? hvps.reduce((a, b) => a + b, 0) / hvps.length : null,
          hvpsPerRefreshMax: hvps.length ? Math.max(...hvps) : null,
          maxUsedPairResidual: refreshes.length ? Math.max(...refreshes.map((r) => r.maxRelativeResidual)) : null,
          refreshesUnconverged: refreshes.filter((r) => !r.converged).length,
          maxProbeResidual: probeResiduals.length ? Math.max(...probeResiduals) : null,
        };
      }),
    );
    // λ_max along the pre-training and every dynamics, with the learning rate that sets each run's 2/η
    const edge = (run: string, seed: number, lr: number, points: readonly SharpnessPoint[] | undefined) =>
      (points ?? []).map((p) => ({ run, seed, lr, ...p, edge: (p.lambdaMax * lr) / 2 }));
    const fashion = fashionConfig(ctx.config);
    const sharpness = [
      ...seeds.flatMap((seed) => edge('pretrain', seed, fashion('pretrain.lr'), inputs[`start_${seed}`].sharpness)),
      ...kinds.flatMap((kind) => seeds.flatMap((seed) => edge(kind, seed, fashion('dynamics.lr'), inputs[`dyn_${kind}_${seed}`].sharpness))),
    ];
    return {
      sharpness,
      lanczos: lanczosRows,
      start: starts,
      tables: [{ title: 'sharp minimum (GD pre-training)', rows: starts }],
      table,
      series,
      probes,
    };
  },
});

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
