/**
 * VGG11 on SVHN and CIFAR-10 (paper Figs. 1 and 6) as stages, one set per dataset: data selection (recorded by
 * checksum; the images are re-read from the dataset files, not copied into the cache) → one dynamics per (kind, seed)
 * from the initialisation → a summary. On the CPU backends (native, wasm, cpu) the dynamics refuse to start, giving
 * the estimated time measured on this machine, unless `<dataset>.force` is true; on the GPU backends (webgpu,
 * tensorflow-gpu) they run. Every read is awaited (stages/tf/read.ts), and on webgpu the chunks of the full-batch
 * gradient, evaluation and sharpness are sized to the adapter's buffer limits (stages/models/chunking.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../tf/tfjs.ts';
import { dep, named } from '../../pipeline/deps.ts';
import { defineStage, type ConfigReader, type StageContext } from '../../pipeline/stage.ts';
import { CIFAR_TEST_FILES, CIFAR_TRAIN_FILES, type ImageSet } from '../data/cifar10.ts';
import { CIFAR_DIR, loadImageSet } from '../data/image-datasets.ts';
import { diagonalMinibatchStats } from '../dynamics/diagonal-statistics.ts';
import { dynamicsMetrics } from '../dynamics/progress-metrics.ts';
import { runDynamics } from '../dynamics/run.ts';
import { checkWholeSet, resolveChunkSize } from '../models/chunking.ts';
import { expectedSharpness, valueAndGrad } from '../models/curvature.ts';
import type { Batch } from '../models/model.ts';
import { createVgg11 } from '../models/vgg.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend, recordBackend, type BackendName, gpusForBackend } from '../tf/backend.ts';
import { readAll } from '../tf/read.ts';
import { seedIndices } from '../seeds.ts';
import { medianMsAsync, wallClock } from '../numerics/timing.ts';
import { mean } from '../numerics/vector.ts';
import { imageConfig } from './config.ts';
import { vggDynamicsCost } from './cost.ts';
import { imageDataOutputs, imageDynamicsOutputs, imageSummaryOutputs } from './outputs.ts';

/** The two image datasets of the VGG experiments. */
export type ImageDataset = 'svhn' | 'cifar10';

/** Data-selection settings shared by the stages of one dataset. */
interface DataSettings {
  path: string | null;
  download: boolean;
  trainSplit: 'train' | 'test';
  trainCount: number;
  testSplit: 'train' | 'test';
  testCount: number;
}

async function loadSets(ds: ImageDataset, d: DataSettings, ctx: StageContext): Promise<{ train: ImageSet; test: ImageSet }> {
  const report = {
    log: (line: string) => ctx.log(line),
    progress: (done: number, total: number, note?: string) => ctx.progress(done, total, note),
    signal: ctx.signal,
  };
  const src = { configured: d.path, download: d.download, report };
  return { train: await loadImageSet(ds, d.trainSplit, d.trainCount, src), test: await loadImageSet(ds, d.testSplit, d.testCount, src) };
}

/**
 * The dataset files a configured `<ds>.data.path` supplies for the splits in use (hashed into the data stage's key);
 * none when the download cache is used, whose files are verified by their published checksums.
 */
function configuredDataFiles(ds: ImageDataset, d: DataSettings): Record<string, string> {
  if (d.path === null) return {};
  const splits = [...new Set([d.trainSplit, d.testSplit])];
  if (ds === 'svhn') return Object.fromEntries(splits.map((split) => [split, path.join(d.path!, `${split}_32x32.mat`)]));
  const names = splits.flatMap((split) => (split === 'train' ? CIFAR_TRAIN_FILES : CIFAR_TEST_FILES));
  // The batches may sit in the directory itself or in its cifar-10-batches-bin/ (as loadImageSet accepts).
  const nested = path.join(d.path, CIFAR_DIR);
  const dir = names.every((f) => existsSync(path.join(d.path!, f))) || !existsSync(nested) ? d.path : nested;
  return Object.fromEntries(names.map((f) => [f, path.join(dir, f)]));
}

/** NHWC bytes → a batch with pixels scaled to [−1, 1]. */
function toBatch(set: ImageSet): Batch {
  const x = new Float32Array(set.images.length);
  for (let i = 0; i < x.length; i++) x[i] = (set.images[i]! - 127.5) / 127.5;
  return { x: tf.tensor4d(x, [set.count, set.height, set.width, set.channels]), y: tf.tensor1d(Int32Array.from(set.labels), 'int32') };
}

const sha256 = (...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest('hex');

/** The stages of one VGG11 experiment. */
export function imageExperimentStages(ds: ImageDataset) {
  const enabled = (cfg: ConfigReader) => imageConfig(cfg, ds)('enabled');
  const seedsOf = (cfg: ConfigReader) => (enabled(cfg) ? seedIndices(cfg, `${ds}.seeds`) : []);
  const kindsOf = (cfg: ConfigReader) => (enabled(cfg) ? imageConfig(cfg, ds)('dynamics.kinds') : []);

  const data = defineStage({
    id: `${ds}.data`,
    version: 1,
    outputs: imageDataOutputs,
    description: `${ds}: the training and test images used (counts, label histograms, checksums)`,
    instances: (cfg) => (enabled(cfg) ? [{}] : []),
    reads: [`${ds}.data`],
    files: (_p, cfg) => configuredDataFiles(ds, imageConfig(cfg, ds)('data')),
    async run(ctx) {
      const { train, test } = await loadSets(ds, imageConfig(ctx.config, ds)('data'), ctx);
      const histogram = (labels: Uint8Array) => Array.from({ length: 10 }, (_, c) => labels.reduce((a, l) => a + (l === c ? 1 : 0), 0));
      return {
        summary: {
          train: train.count,
          test: test.count,
          trainLabels: histogram(train.labels),
          testLabels: histogram(test.labels),
          trainSha256: sha256(train.images, train.labels),
          testSha256: sha256(test.images, test.labels),
        },
      };
    },
  });

  const dynamics = defineStage({
    id: `${ds}.dynamics`,
    version: 2, // 2: the native backend's one-call value and gradient (stages/models/fused.ts)
    outputs: imageDynamicsOutputs,
    description: `${ds}: VGG11 trained from the initialisation by one noise kind`,
    isolate: true,
    gpus: gpusForBackend,
    threads: () => Infinity, // wasm threads, bit-identical results (stages/tf/wasm-threads.ts)
    instances: (cfg) => kindsOf(cfg).flatMap((kind) => seedsOf(cfg).map((seed) => ({ kind, seed }))),
    reads: ['seed', 'backend', `${ds}.force`, `${ds}.width`, `${ds}.data`, `${ds}.dynamics`, `${ds}.sharpness`],
    deps: () => ({ data: dep(data) }),
    cost: (p, cfg) => vggDynamicsCost(ds, p.kind, cfg),
    async run(ctx, inputs) {
      const backend = ctx.config<BackendName>('backend');
      const info = await initBackend(backend, { threads: ctx.threads });
      recordBackend(ctx, info);
      const all = imageConfig(ctx.config, ds)('dynamics');
      // Per-kind iteration counts (the released scripts: sgd 100,001, the others 200,001) override `iterations`.
      const perKind: Partial<Record<string, number>> | undefined = all.kindIterations;
      const cfg = { ...all, iterations: perKind?.[ctx.params.kind] ?? all.iterations };
      const d = imageConfig(ctx.config, ds)('data');
      const model = createVgg11({ width: imageConfig(ctx.config, ds)('width') });
      const { train, test } = await loadSets(ds, d, ctx);
      if (sha256(train.images, train.labels) !== inputs.data.summary.trainSha256) {
        throw new Error(`${ds}: the training images changed on disk since ${ds}.data ran; rerun with --force ${ds}.data`);
      }
      const limits = info.adapter?.limits ?? null;
      if (limits) {
        checkWholeSet(`${ds} training set`, model.inputShape, train.count, limits);
        checkWholeSet(`${ds} test set`, model.inputShape, test.count, limits);
      }
      // On webgpu a configured chunk larger than the adapter's buffers allow (or 'auto') is cut to what fits; on the
      // CPU backends a configured number is used as it is. Results do not depend on the chunking beyond float32 rounding.
      const chunkSize = resolveChunkSize(cfg.chunkSize, limits, model, Math.max(train.count, test.count));
      ctx.setMeta('chunkSize', chunkSize);
      if (chunkSize !== cfg.chunkSize)
        ctx.log(
          `chunks of ${chunkSize} images (${ds}.dynamics.chunkSize is ${cfg.chunkSize}${limits ? `; the adapter binds at most ${limits.maxStorageBufferBindingSize} bytes per buffer` : ''})`,
        );
      const trainBatch = toBatch(train);
      const testBatch = toBatch(test);
      const rng = new Rng(ctx.seed);
      const w0 = model.init(rng);
      try {
        await refuseOnCpu(ctx, ds, backend, model, w0, trainBatch, cfg, d);
        const kind = ctx.params.kind;
        const r = await runDynamics({
          model,
          w0,
          train: trainBatch,
          test: testBatch,
          kind,
          noise: { sigma: cfg.sigma },
          lr: cfg.lr,
          batchSize: cfg.batchSize,
          refresh: cfg.refresh,
          iterations: cfg.iterations,
          logEvery: cfg.logEvery,
          checkpoints: [],
          hessian: { tol: 1e-3, tolPairs: 1, maxIter: 10 },
          chunkSize,
          statistics: async (w, needs) => diagonalMinibatchStats(model, w, trainBatch, needs, { kind, batchSize: cfg.batchSize, batches: cfg.covBatches, rng }),
          rng,
          signal: ctx.signal,
          onProgress: (done, total, latest) => ctx.progress(done, total, 'iterations', dynamicsMetrics(latest)),
        });
        const s = imageConfig(ctx.config, ds)('sharpness');
        const absolute = s.mode === 'absolute';
        const sharp = await expectedSharpness(model, r.final, trainBatch, {
          delta: s.delta,
          samples: s.samples,
          rng,
          chunkSize,
          mode: s.mode,
          test: absolute ? testBatch : undefined,
        });
        ctx.setMeta('finalWeightsSha256', sha256(new Uint8Array(r.final.buffer)));
        return {
          log: r.log,
          summary: {
            kind,
            seed: ctx.params.seed,
            ...r.log.at(-1)!,
            sharpness: sharp.estimate,
            sharpnessStderr: sharp.stderr,
            ...(absolute ? { sharpnessMode: 'absolute' as const, testAccuracyChange: sharp.testAccuracyChange?.estimate ?? null } : {}),
          },
        };
      } finally {
        tf.dispose([trainBatch.x, trainBatch.y!, testBatch.x, testBatch.y!]);
      }
    },
  });

  const summary = defineStage({
    id: `${ds}.summary`,
    version: 2,
    outputs: imageSummaryOutputs,
    description: `${ds}: final accuracy and sharpness per kind over seeds, and every run's log`,
    instances: (cfg) => (enabled(cfg) ? [{}] : []),
    reads: [`${ds}.dynamics.kinds`, `${ds}.seeds`],
    cost: () => ({}),
    deps: (_p, cfg) =>
      named(
        '',
        kindsOf(cfg).flatMap((kind) => seedsOf(cfg).map((seed) => [`${kind}_${seed}`, dep(dynamics, { kind, seed })] as const)),
      ),
    async run(ctx, inputs) {
      const kinds = imageConfig(ctx.config, ds)('dynamics.kinds');
      const seeds = seedIndices(ctx.config, `${ds}.seeds`);
      const table = kinds.map((kind) => {
        const rows = seeds.map((s) => inputs[`${kind}_${s}`].summary);
        const test = rows.map((r) => r.testAccuracy ?? NaN);
        return {
          kind,
          trainAccuracy: mean(rows.map((r) => r.trainAccuracy)),
          testAccuracy: mean(test),
          testAccuracyMin: Math.min(...test),
          testAccuracyMax: Math.max(...test),
          sharpness: mean(rows.map((r) => r.sharpness)),
          // Only under the released flatness protocol (`<ds>.sharpness.mode` = absolute).
          ...(rows[0]?.sharpnessMode ? { sharpnessMode: rows[0].sharpnessMode, testAccuracyChange: mean(rows.map((r) => r.testAccuracyChange ?? NaN)) } : {}),
        };
      });
      const series = kinds.flatMap((kind) => seeds.flatMap((seed) => inputs[`${kind}_${seed}`].log.map((l) => ({ kind, seed, ...l }))));
      return { table, series };
    },
  });

  return [data, dynamics, summary] as const;
}

/**
 * Milliseconds per image of a VGG11 value + gradient, measured here on (up to) the first 8 images of `train`, the
 * median of 5 calls after one warm-up, each timed until its gradient has been read back (on webgpu the read waits for
 * the device, so the GPU's work is inside the timed region): what the CPU refusal (wall clock) and the dry-run
 * estimate (`clock`: CPU time on the CPU backends, wall time on webgpu, stages/numerics/timing.ts) extrapolate from.
 */
export async function imageGradientMs(model: ReturnType<typeof createVgg11>, w: Float32Array, train: Batch, clock: () => number = wallClock): Promise<number> {
  const probe = Math.min(8, train.x.shape[0]!);
  const slice = { x: tf.slice(train.x, 0, probe), y: tf.slice(train.y!, 0, probe) };
  const once = async () => {
    const r = valueAndGrad(model, w, slice);
    try {
      await readAll([r.grad, r.value]);
    } finally {
      tf.dispose([r.value, r.grad]);
    }
  };
  try {
    // a median, so that one stalled call (a GC, a neighbour on the VM) does not move the estimate
    return (await medianMsAsync(once, 5, 1, clock)) / probe;
  } finally {
    tf.dispose([slice.x, slice.y]);
  }
}

/** The backends the VGG experiments run on without `force`: the GPU ones. */
export const GPU_BACKENDS: readonly BackendName[] = ['webgpu', 'tensorflow-gpu'];

/** Throws with the measured estimate when asked to run on a CPU backend (not in GPU_BACKENDS) without `<dataset>.force`. */
async function refuseOnCpu(
  ctx: StageContext,
  ds: ImageDataset,
  backend: BackendName,
  model: ReturnType<typeof createVgg11>,
  w: Float32Array,
  train: Batch,
  cfg: { iterations: number; batchSize: number; refresh: number; covBatches: number; logEvery: number },
  d: DataSettings,
): Promise<void> {
  if (GPU_BACKENDS.includes(backend) || imageConfig(ctx.config, ds)('force')) return;
  const perImage = (await imageGradientMs(model, w, train)) / 1000;
  // Per iteration: a full-batch gradient, the noise statistics every `refresh` iterations, and evaluation (forward
  // passes, about a third of a gradient) of the training and test sets every `logEvery` iterations.
  const perIteration = perImage * (d.trainCount + (cfg.covBatches * cfg.batchSize) / cfg.refresh + (d.trainCount + d.testCount) / 3 / cfg.logEvery);
  const seconds = perIteration * cfg.iterations;
  throw new Error(
    `${ds} refuses to run VGG11 on the '${backend}' backend: estimated ${formatSeconds(seconds)} ` +
      `(${cfg.iterations} iterations × ${formatSeconds(perIteration)}, measured ${(perImage * 1000).toFixed(0)} ms per image-gradient here). ` +
      `Use backend=webgpu on a machine with a GPU (Vulkan), reduce ${ds}.dynamics.iterations / ${ds}.data.trainCount, or set ${ds}.force=true.`,
  );
}

function formatSeconds(s: number): string {
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(0)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(0)} days`;
}
