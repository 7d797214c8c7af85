/**
 * Beyond the paper: SGD's batch size m against its escape from the Fashion-MNIST sharp minimum
 * (`fashion.batchSizes`), and the same for the M-SGD kinds of `fashion.batchSizes.kinds` (their noise is set by m:
 * stages/noise/example-weights.ts). Three stages:
 *
 * - `fashion.batchDynamics[batchSize, seed]`: SGD from the sharp minimum at batch size m, with the iterations, learning
 *   rate and logging of `fashion.dynamics` (the same `runDynamics`). m = fashion.dynamics.batchSize is the sgd
 *   dynamics `fashion.dynamics[kind=sgd, seed]` itself and is not run again (unless sgd is not among the kinds).
 *   `fashion.batchDynamics[batchSize, kind, seed]` is the same for an M-SGD kind of fashion.batchSizes.kinds (its
 *   long run only: its short-horizon rise is measured at fashion.dynamics.batchSize by fashion.theory).
 * - `fashion.batchTheory[seed]`: SGD's short-horizon loss rise at each m, by the theory stage's protocol (its runs,
 *   horizon and logging; real minibatches from θ0). At m = fashion.dynamics.batchSize it takes `fashion.theory`'s sgd
 *   rows, and everywhere that stage's GD drift and start loss, so nothing is measured twice.
 * - `fashion.batchSummary`: per m (mean and range over seeds) SGD's Tr(HΣ_m) at the sharp minimum, derived from the
 *   indicator's estimate at fashion.dynamics.batchSize with no new Hessian work (`numerics/batch-scaling.ts`:
 *   Tr(HΣ_m) = m₀(N − m)/(mN)·Tr(HS_m₀), SGD's minibatches being drawn without replacement), the final training-loss
 *   rise, the random-label fit, the test accuracy, and the short-horizon rise beside the linear prediction
 *   n·η²/2·Tr(HΣ_m). The report's "Beyond the paper" section plots escape against Tr(HΣ_m) from it. Its `kinds`
 *   table has, per (kind, m), where each kind of fashion.batchSizes.kinds ended (sgd's rows repeat `table`'s).
 */
import { dep, inputs as allOf, named, type Dep } from '../../pipeline/deps.ts';
import { optionalConfig } from '../optional-config.ts';
import type { NoiseKindName } from '../noise/kind.ts';
import { NOISE_KINDS } from '../noise/registry.ts';
import { deriveSeed } from '../../pipeline/seed.ts';
import { defineStage, type ConfigReader, type StageContext } from '../../pipeline/stage.ts';
import { dynamicsMetrics } from '../dynamics/progress-metrics.ts';
import { runDynamics, type DynamicsLog } from '../dynamics/run.ts';
import type { HessianTopKOptions } from '../dynamics/statistics.ts';
import { createCnn } from '../models/cnn.ts';
import type { Batch, FlatModel } from '../models/model.ts';
import { traceAtBatchSize } from '../numerics/batch-scaling.ts';
import { Rng } from '../numerics/random.ts';
import { mean } from '../numerics/vector.ts';
import { seedIndices } from '../seeds.ts';
import { initBackend, recordBackend, type BackendName, gpusForBackend } from '../tf/backend.ts';
import { runExcursion } from '../dynamics/excursion.ts';
import { fashionConfig } from './config.ts';
import { batchDynamicsCost, batchTheoryCost } from './cost.ts';
import { fashionBatchDynamicsOutputs, fashionBatchSummaryOutputs, fashionBatchTheoryOutputs } from './outputs.ts';
import { batches, fashionDataStage, fashionDynamicsStage, fashionPretrainStage, fashionStartProbeStage, kindsOf, seedInputs, seedsOf } from './stages.ts';
import { fashionTheoryStage } from './theory.ts';

/** The batch sizes of the study, none when it is off. */
export function batchSizesOf(cfg: ConfigReader): number[] {
  const fashion = fashionConfig(cfg);
  return fashion('batchSizes.enabled') ? fashion('batchSizes.sizes') : [];
}

/** The kinds of the batch-size study: fashion.batchSizes.kinds, absent = ['sgd']. */
export function batchKindsOf(cfg: ConfigReader): NoiseKindName[] {
  return optionalConfig<NoiseKindName[]>(cfg, 'fashion.batchSizes.kinds') ?? ['sgd'];
}

/** Whether `kind` at batch size m is its own dynamics: m = fashion.dynamics.batchSize and `kind` among the kinds. */
export function isMainRun(cfg: ConfigReader, m: number, kind: NoiseKindName = 'sgd'): boolean {
  return m === fashionConfig(cfg)('dynamics.batchSize') && kindsOf(cfg).includes(kind);
}

/** Whether SGD at batch size m is the sgd dynamics itself: m = fashion.dynamics.batchSize and sgd among the kinds. */
export function isMainSgd(cfg: ConfigReader, m: number): boolean {
  return isMainRun(cfg, m, 'sgd');
}

/** The batch sizes whose SGD run is one of `fashion.batchDynamics` (all but the sgd dynamics' own). */
export const extraBatchSizes = (cfg: ConfigReader) => batchSizesOf(cfg).filter((m) => !isMainSgd(cfg, m));

/** The upstream instance of SGD's run at batch size m for one seed (either stage: its `log` is what is read). */
export function sgdRunRef(cfg: ConfigReader, m: number, seed: number): Dep<{ log: DynamicsLog[] }> {
  return runRef(cfg, 'sgd', m, seed);
}

/** The upstream instance of `kind`'s run at batch size m for one seed: its own dynamics at m₀, else fashion.batchDynamics. */
export function runRef(cfg: ConfigReader, kind: NoiseKindName, m: number, seed: number): Dep<{ log: DynamicsLog[] }> {
  if (isMainRun(cfg, m, kind)) return dep(fashionDynamicsStage, { kind, seed });
  return kind === 'sgd' ? dep(fashionBatchDynamicsStage, { batchSize: m, seed }) : dep(fashionBatchKindDynamicsStage, { kind, batchSize: m, seed });
}

/** SGD draws no Hessian statistics: runDynamics wants Lanczos settings, which it never uses for sgd. */
const NO_HESSIAN: HessianTopKOptions = { tol: 1e-3, tolPairs: 1, maxIter: 1 };

/** SGD from the sharp minimum of one seed at batch size m (the fashion.dynamics protocol otherwise). */
export const fashionBatchDynamicsStage = defineStage({
  id: 'fashion.batchDynamics',
  version: 1,
  outputs: fashionBatchDynamicsOutputs,
  description: 'fashion: SGD from the sharp minimum at another batch size m (beyond the paper)',
  isolate: true,
  gpus: gpusForBackend,
  // minibatch steps: one thread is faster than two here (see fashion.dynamics)
  threads: () => 1,
  instances: (cfg) => extraBatchSizes(cfg).flatMap((batchSize) => seedsOf(cfg).map((seed) => ({ batchSize, seed }))),
  reads: ['seed', 'backend', 'fashion.dynamics.iterations', 'fashion.dynamics.lr', 'fashion.dynamics.logEvery', 'fashion.dynamics.sgd'],
  deps: (p) => ({ data: dep(fashionDataStage), start: dep(fashionPretrainStage, { seed: p.seed }) }),
  cost: (p, cfg) => batchDynamicsCost(p.batchSize, cfg),
  run: (ctx, inputs) => runAtBatchSize(ctx, inputs, 'sgd', ctx.params.batchSize),
});

/** One run of `kind` at batch size m from a seed's sharp minimum, with `fashion.dynamics`' iterations, rate and logging. */
async function runAtBatchSize(
  ctx: StageContext,
  inputs: { data: Parameters<typeof batches>[0]; start: { w: { data: Float32Array } } },
  kind: NoiseKindName,
  batchSize: number,
): Promise<{ log: DynamicsLog[]; final: Float32Array }> {
  const fashion = fashionConfig(ctx.config);
  const info = await initBackend(ctx.config<BackendName>('backend'), { threads: ctx.threads });
  recordBackend(ctx, info);
  const { train, test, randomized, dispose } = batches(inputs.data);
  try {
    const r = await runDynamics({
      model: createCnn(),
      w0: inputs.start.w.data,
      train,
      randomized,
      test,
      kind,
      noise: {},
      refresh: 1,
      lr: fashion('dynamics.lr'),
      batchSize,
      iterations: fashion('dynamics.iterations'),
      logEvery: fashion('dynamics.logEvery'),
      checkpoints: [],
      hessian: NO_HESSIAN,
      rng: new Rng(ctx.seed),
      signal: ctx.signal,
      onProgress: (done, total, latest) => ctx.progress(done, total, 'iterations', dynamicsMetrics(latest)),
    });
    return { log: r.log, final: r.final };
  } finally {
    dispose();
  }
}

/** An M-SGD kind of fashion.batchSizes.kinds from the sharp minimum of one seed at batch size m (as fashion.batchDynamics runs SGD). */
export const fashionBatchKindDynamicsStage = defineStage({
  id: 'fashion.batchKindDynamics',
  version: 1,
  outputs: fashionBatchDynamicsOutputs,
  description: 'fashion: an M-SGD kind from the sharp minimum at another batch size m (beyond the paper)',
  isolate: true,
  gpus: gpusForBackend,
  // Bernoulli's steps are minibatches of mean size m (one thread, as sgd); Gaussian's are weighted full batches
  threads: (p: { kind: string }) => (NOISE_KINDS[p.kind as NoiseKindName]?.exampleWeights?.subset ? 1 : Infinity),
  instances: (cfg) =>
    batchKindsOf(cfg)
      .filter((kind) => kind !== 'sgd')
      .flatMap((kind) =>
        batchSizesOf(cfg)
          .filter((m) => !isMainRun(cfg, m, kind))
          .flatMap((batchSize) => seedsOf(cfg).map((seed) => ({ kind: kind as string, batchSize, seed }))),
      ),
  reads: (p) => ['seed', 'backend', 'fashion.dynamics.iterations', 'fashion.dynamics.lr', 'fashion.dynamics.logEvery', `fashion.dynamics.${p.kind}`],
  deps: (p) => ({ data: dep(fashionDataStage), start: dep(fashionPretrainStage, { seed: p.seed }) }),
  cost: (p, cfg) => batchDynamicsCost(p.batchSize, cfg, p.kind as NoiseKindName),
  run: (ctx, inputs) => runAtBatchSize(ctx, inputs, ctx.params.kind as NoiseKindName, ctx.params.batchSize),
});

/** One (batch size, step) of SGD's short runs from θ0; losses are L(θ_t) − L(θ0) of the full-batch training loss. */
export interface BatchTheoryRow {
  batchSize: number;
  step: number;
  /** Mean over runs of L(θ_t) − L(θ0). */
  measuredMean: number;
  /** Its standard error (sample sd / √runs). */
  measuredStderr: number;
  /** L(θ_t) − L(θ0) of GD from θ0 (fashion.theory's). */
  gdDrift: number;
  /** measuredMean − gdDrift. */
  noiseInduced: number;
  /** Where the runs come from: this stage, or fashion.theory's sgd runs at fashion.dynamics.batchSize. */
  source: 'fashion.batchTheory' | 'fashion.theory';
}

/** Settings of `sgdShortRuns`. */
export interface SgdShortRunOptions {
  model: FlatModel;
  w0: Float32Array;
  train: Batch;
  lr: number;
  batchSize: number;
  runs: number;
  steps: number;
  every: number;
  /** Seeds run r's minibatches as deriveSeed(seed, `batchTheory/m=<m>/run=<r>`). */
  seed: number;
  signal?: AbortSignal;
  onRun?(run: number): void;
}

/** Per run, L(θ_t) − L(θ0) at the logged steps of `runs` SGD runs of `steps` steps from θ0 (as fashion.theory runs sgd). */
export async function sgdShortRuns(o: SgdShortRunOptions): Promise<{ steps: number[]; deltas: number[][] }> {
  const deltas: number[][] = [];
  let steps: number[] = [];
  for (let run = 0; run < o.runs; run++) {
    const r = await runDynamics({
      model: o.model,
      w0: o.w0,
      train: o.train,
      kind: 'sgd',
      noise: {},
      lr: o.lr,
      batchSize: o.batchSize,
      refresh: o.steps + 1,
      iterations: o.steps,
      logEvery: o.every,
      checkpoints: [],
      hessian: NO_HESSIAN,
      rng: new Rng(deriveSeed(o.seed, `batchTheory/m=${o.batchSize}/run=${run}`)),
      signal: o.signal,
    });
    steps = r.log.map((l) => l.iteration);
    deltas.push(r.log.map((l) => l.trainLoss - r.log[0]!.trainLoss));
    o.onRun?.(run + 1);
  }
  return { steps, deltas };
}

/** SGD's short-horizon loss rise from the sharp minimum of one seed at every batch size of the study. */
export const fashionBatchTheoryStage = defineStage({
  id: 'fashion.batchTheory',
  version: 1,
  outputs: fashionBatchTheoryOutputs,
  description: 'fashion: SGD’s short-horizon loss rise from the sharp minimum at each batch size (beyond the paper)',
  isolate: true,
  gpus: gpusForBackend,
  threads: () => 1,
  instances: (cfg) => (batchSizesOf(cfg).length > 0 ? seedsOf(cfg).map((seed) => ({ seed })) : []),
  reads: [
    'seed',
    'backend',
    'fashion.batchSizes.sizes',
    'fashion.dynamics.batchSize',
    'fashion.dynamics.kinds',
    'fashion.dynamics.lr',
    'fashion.theory.runs',
    'fashion.theory.steps',
    'fashion.theory.every',
  ],
  deps: (p) => ({
    data: dep(fashionDataStage),
    start: dep(fashionPretrainStage, { seed: p.seed }),
    theory: dep(fashionTheoryStage, { seed: p.seed }),
  }),
  cost: (_p, cfg) => batchTheoryCost(cfg),
  async run(ctx, inputs) {
    const fashion = fashionConfig(ctx.config);
    const sizes = fashion('batchSizes.sizes');
    const runs = fashion('theory.runs');
    const steps = fashion('theory.steps');
    const every = fashion('theory.every');
    const m0 = fashion('dynamics.batchSize');
    const theoryRows = inputs.theory.rows;
    const theoryTrajectories = inputs.theory.trajectories;
    // GD's drift per step: every kind's rows carry it (gd always runs in the theory stage).
    const drift = new Map(theoryRows.map((r) => [r.step, r.gdDrift]));
    const fromTheory = (m: number) => m === m0 && fashion('dynamics.kinds').includes('sgd');
    const own = sizes.filter((m) => !fromTheory(m));
    const rows: BatchTheoryRow[] = [];
    const trajectories: { batchSize: number; steps: number[]; deltas: number[][] }[] = [];
    let model: FlatModel | undefined;
    let data: ReturnType<typeof batches> | undefined;
    try {
      if (own.length > 0) {
        const info = await initBackend(ctx.config<BackendName>('backend'), { threads: ctx.threads });
        recordBackend(ctx, info);
        model = createCnn();
        data = batches(inputs.data);
      }
      let done = 0;
      for (const m of sizes) {
        ctx.throwIfAborted();
        let series: { steps: number[]; deltas: number[][] };
        if (fromTheory(m)) {
          const t = theoryTrajectories.find((x) => x.kind === 'sgd');
          if (!t) throw new Error(`fashion.batchTheory: fashion.theory[seed=${ctx.params.seed}] has no sgd runs (expected at m = ${m})`);
          series = t;
        } else {
          series = await sgdShortRuns({
            model: model!,
            w0: inputs.start.w.data,
            train: data!.train,
            lr: fashion('dynamics.lr'),
            batchSize: m,
            runs,
            steps,
            every,
            seed: ctx.seed,
            signal: ctx.signal,
            onRun: () => ctx.progress(++done, own.length * runs, `runs (m = ${m})`),
          });
        }
        series.steps.forEach((step, j) => {
          const gd = drift.get(step);
          if (gd === undefined) throw new Error(`fashion.batchTheory: fashion.theory logs no step ${step} (its settings differ from fashion.theory's)`);
          const xs = series.deltas.map((d) => d[j]!);
          const mu = mean(xs);
          const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mu) ** 2, 0) / (xs.length - 1)) : 0;
          rows.push({
            batchSize: m,
            step,
            measuredMean: mu,
            measuredStderr: sd / Math.sqrt(xs.length),
            gdDrift: gd,
            noiseInduced: mu - gd,
            source: fromTheory(m) ? 'fashion.theory' : 'fashion.batchTheory',
          });
        });
        trajectories.push({ batchSize: m, steps: series.steps, deltas: series.deltas });
      }
    } finally {
      data?.dispose();
    }
    return {
      rows,
      trajectories,
      settings: {
        runs,
        steps,
        every,
        sizes,
        fromTheory: sizes.filter(fromTheory),
        note: 'noiseInduced = measuredMean − GD drift (fashion.theory’s GD run from the same θ0)',
      },
    };
  },
});

/** One (batch size, seed) of the summary. */
export interface BatchSeedRow {
  batchSize: number;
  seed: number;
  /** SGD's Tr(HΣ_m) and TrΣ_m at the sharp minimum (from the indicator's estimate at fashion.dynamics.batchSize). */
  traceHSigma: number;
  traceSigma: number;
  startTrainLoss: number;
  finalTrainLoss: number;
  lossRise: number;
  randomFit: number | null;
  /** The run's excursion (stages/dynamics/excursion.ts): largest logged training loss over the start's, lowest random-label fit. */
  peakLossRise: number;
  lowestRandomFit: number | null;
  testAccuracy: number | null;
  /** At the theory horizon: the noise-induced rise, its standard error, and n·η²/2·Tr(HΣ_m). */
  horizon: number;
  shortHorizonRise: number;
  shortHorizonStderr: number;
  linear: number;
  ratioToLinear: number | null;
}

/** One batch size of the summary: means over seeds (ranges where there are several). */
export interface BatchSizeRow {
  batchSize: number;
  seeds: number;
  traceHSigma: number;
  /** m·Tr(HΣ_m): constant if Tr(HΣ_m) fell exactly as 1/m (it falls as (N − m)/(m(N − 1))). */
  traceHSigmaTimesM: number;
  traceSigma: number;
  /** Mean final training loss over mean start loss (as fashion.summary's lossRise); range of the per-seed ratios. */
  lossRise: number;
  lossRiseMin: number;
  lossRiseMax: number;
  finalTrainLoss: number;
  randomFit: number | null;
  randomFitMin: number | null;
  randomFitMax: number | null;
  /** Mean peak training loss over mean start loss, and the mean lowest random-label fit (the runs' excursions). */
  peakLossRise: number;
  lowestRandomFit: number | null;
  testAccuracy: number | null;
  horizon: number;
  shortHorizonRise: number;
  /** The standard error of the seeds' mean of independent means. */
  shortHorizonStderr: number;
  linear: number;
  /** Mean short-horizon rise over mean linear prediction. */
  ratioToLinear: number | null;
  /** The stage SGD's run at m came from. */
  run: 'fashion.dynamics' | 'fashion.batchDynamics';
}

/** One (kind, batch size) of the summary's `kinds` table: where the kind's run from the sharp minimum ended (over seeds). */
export interface BatchKindRow {
  kind: NoiseKindName;
  batchSize: number;
  seeds: number;
  /** Mean final training loss over mean start loss (as fashion.summary's lossRise); range of the per-seed ratios. */
  lossRise: number;
  lossRiseMin: number;
  lossRiseMax: number;
  randomFit: number | null;
  randomFitMin: number | null;
  randomFitMax: number | null;
  testAccuracy: number | null;
  testAccuracyMin: number | null;
  testAccuracyMax: number | null;
  /** The stage the run came from. */
  run: 'fashion.dynamics' | 'fashion.batchDynamics' | 'fashion.batchKindDynamics';
}

/** The `kinds` table from each (kind, m)'s per-seed start loss and final log row. */
export function batchKindTable(
  runs: readonly { kind: NoiseKindName; batchSize: number; startLoss: number; last: DynamicsLog; run: BatchKindRow['run'] }[],
): BatchKindRow[] {
  const keys = [...new Set(runs.map((r) => `${r.kind}|${r.batchSize}`))];
  return keys.map((key) => {
    const rs = runs.filter((r) => `${r.kind}|${r.batchSize}` === key);
    const rise = range(rs.map((r) => r.last.trainLoss / r.startLoss));
    const fit = range(rs.map((r) => r.last.randomAccuracy));
    const acc = range(rs.map((r) => r.last.testAccuracy));
    return {
      kind: rs[0]!.kind,
      batchSize: rs[0]!.batchSize,
      seeds: rs.length,
      lossRise: mean(rs.map((r) => r.last.trainLoss)) / mean(rs.map((r) => r.startLoss)),
      lossRiseMin: rise.min!,
      lossRiseMax: rise.max!,
      randomFit: fit.mean,
      randomFitMin: fit.min,
      randomFitMax: fit.max,
      testAccuracy: acc.mean,
      testAccuracyMin: acc.min,
      testAccuracyMax: acc.max,
      run: rs[0]!.run,
    };
  });
}

/** Mean, min and max of the finite values, or nulls. */
function range(xs: readonly (number | null)[]): { mean: number | null; min: number | null; max: number | null } {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length ? { mean: mean(v), min: Math.min(...v), max: Math.max(...v) } : { mean: null, min: null, max: null };
}

/** The per-m table from the per-(m, seed) rows (in batch-size order, then seed order). */
export function batchSizeTable(perSeed: readonly BatchSeedRow[], runOf: (m: number) => BatchSizeRow['run']): BatchSizeRow[] {
  const sizes = [...new Set(perSeed.map((r) => r.batchSize))];
  return sizes.map((m) => {
    const rs = perSeed.filter((r) => r.batchSize === m);
    const rise = range(rs.map((r) => r.lossRise));
    const fit = range(rs.map((r) => r.randomFit));
    const shortRise = mean(rs.map((r) => r.shortHorizonRise));
    const linear = mean(rs.map((r) => r.linear));
    const trace = mean(rs.map((r) => r.traceHSigma));
    return {
      batchSize: m,
      seeds: rs.length,
      traceHSigma: trace,
      traceHSigmaTimesM: m * trace,
      traceSigma: mean(rs.map((r) => r.traceSigma)),
      lossRise: mean(rs.map((r) => r.finalTrainLoss)) / mean(rs.map((r) => r.startTrainLoss)),
      lossRiseMin: rise.min!,
      lossRiseMax: rise.max!,
      finalTrainLoss: mean(rs.map((r) => r.finalTrainLoss)),
      randomFit: fit.mean,
      randomFitMin: fit.min,
      randomFitMax: fit.max,
      peakLossRise: mean(rs.map((r) => r.peakLossRise * r.startTrainLoss)) / mean(rs.map((r) => r.startTrainLoss)),
      lowestRandomFit: range(rs.map((r) => r.lowestRandomFit)).mean,
      testAccuracy: range(rs.map((r) => r.testAccuracy)).mean,
      horizon: rs[0]!.horizon,
      shortHorizonRise: shortRise,
      shortHorizonStderr: Math.sqrt(rs.reduce((a, r) => a + r.shortHorizonStderr ** 2, 0)) / rs.length,
      linear,
      ratioToLinear: linear !== 0 ? shortRise / linear : null,
      run: runOf(m),
    };
  });
}

/** Per m: SGD's Tr(HΣ_m) at the sharp minimum against its escape (mean and range over seeds). */
export const fashionBatchSummaryStage = defineStage({
  id: 'fashion.batchSummary',
  version: 3, // 2: the per-(kind, m) `kinds` table (fashion.batchSizes.kinds); 3: the runs' excursions
  outputs: fashionBatchSummaryOutputs,
  description: 'fashion: per batch size, SGD’s Tr(HΣ_m) at the sharp minimum, its escape and its short-horizon loss rise (beyond the paper)',
  instances: (cfg) => (batchSizesOf(cfg).length > 0 ? [{}] : []),
  reads: [
    'fashion.batchSizes.sizes',
    'fashion.batchSizes.kinds?',
    'fashion.dynamics.batchSize',
    'fashion.dynamics.kinds',
    'fashion.dynamics.lr',
    'fashion.data.train',
    'fashion.seeds',
  ],
  cost: () => ({}),
  deps: (_p, cfg) =>
    allOf(
      seedInputs('start_', fashionPretrainStage, cfg),
      seedInputs('ind_', fashionStartProbeStage, cfg),
      seedInputs('short_', fashionBatchTheoryStage, cfg),
      named(
        'run_',
        batchSizesOf(cfg).flatMap((m) => seedsOf(cfg).map((seed) => [`${m}_${seed}`, sgdRunRef(cfg, m, seed)] as const)),
      ),
      named(
        'krun_',
        batchKindsOf(cfg)
          .filter((kind) => kind !== 'sgd')
          .flatMap((kind) => batchSizesOf(cfg).flatMap((m) => seedsOf(cfg).map((seed) => [`${kind}_${m}_${seed}`, runRef(cfg, kind, m, seed)] as const))),
      ),
    ),
  async run(ctx, inputs) {
    const fashion = fashionConfig(ctx.config);
    const sizes = fashion('batchSizes.sizes');
    const seeds = seedIndices(ctx.config, 'fashion.seeds');
    const N = fashion('data.train');
    const m0 = fashion('dynamics.batchSize');
    const lr = fashion('dynamics.lr');
    const main = (m: number) => m === m0 && fashion('dynamics.kinds').includes('sgd');
    const perSeed: BatchSeedRow[] = sizes.flatMap((m) =>
      seeds.map((seed) => {
        const probe = inputs[`ind_${seed}`].probe;
        const start = inputs[`start_${seed}`].summary.trainLoss;
        const log = inputs[`run_${m}_${seed}`].log;
        const last = log.at(-1)!;
        const excursion = runExcursion(log);
        const short = inputs[`short_${seed}`].rows.filter((r) => r.batchSize === m);
        const horizon = short.reduce((a, r) => (r.step > a.step ? r : a), short[0]!);
        const traceHSigma = traceAtBatchSize(probe.traceHSigma, N, m0, m);
        const linear = (horizon.step * lr * lr * traceHSigma) / 2;
        return {
          batchSize: m,
          seed,
          traceHSigma,
          traceSigma: traceAtBatchSize(probe.traceSigma, N, m0, m),
          startTrainLoss: start,
          finalTrainLoss: last.trainLoss,
          lossRise: last.trainLoss / start,
          randomFit: last.randomAccuracy,
          peakLossRise: excursion.peakTrainLoss / start,
          lowestRandomFit: excursion.lowestRandomFit,
          testAccuracy: last.testAccuracy,
          horizon: horizon.step,
          shortHorizonRise: horizon.noiseInduced,
          shortHorizonStderr: horizon.measuredStderr,
          linear,
          ratioToLinear: linear !== 0 ? horizon.noiseInduced / linear : null,
        };
      }),
    );
    const table = batchSizeTable(perSeed, (m) => (main(m) ? 'fashion.dynamics' : 'fashion.batchDynamics'));
    const series = sizes.flatMap((m) => seeds.flatMap((seed) => inputs[`run_${m}_${seed}`].log.map((l) => ({ batchSize: m, seed, ...l }))));
    const batchKinds = batchKindsOf(ctx.config);
    const kinds = batchKindTable(
      batchKinds.flatMap((kind) =>
        sizes.flatMap((m) =>
          seeds.map((seed) => ({
            kind,
            batchSize: m,
            startLoss: inputs[`start_${seed}`].summary.trainLoss,
            last: (kind === 'sgd' ? inputs[`run_${m}_${seed}`] : inputs[`krun_${kind}_${m}_${seed}`]).log.at(-1)!,
            run: isMainRun(ctx.config, m, kind)
              ? ('fashion.dynamics' as const)
              : kind === 'sgd'
                ? ('fashion.batchDynamics' as const)
                : ('fashion.batchKindDynamics' as const),
          })),
        ),
      ),
    );
    return {
      table,
      kinds,
      perSeed,
      series,
      settings: {
        trainImages: N,
        estimateBatchSize: m0,
        lr,
        traceFrom: `fashion.indicator's Tr(HS) at m₀ = ${m0} (the paper's estimator), scaled by m₀(N − m)/(mN) (stages/numerics/batch-scaling.ts)`,
      },
    };
  },
});
