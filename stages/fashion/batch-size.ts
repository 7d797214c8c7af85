/**
 * Beyond the paper: SGD's batch size m against its escape from the Fashion-MNIST sharp minimum
 * (`fashion.batchSizes`). Three stages:
 *
 * - `fashion.batchDynamics[batchSize, seed]`: SGD from the sharp minimum at batch size m, with the iterations, learning
 *   rate and logging of `fashion.dynamics` (the same `runDynamics`). m = fashion.dynamics.batchSize is the sgd
 *   dynamics `fashion.dynamics[kind=sgd, seed]` itself and is not run again (unless sgd is not among the kinds).
 * - `fashion.batchTheory[seed]`: SGD's short-horizon loss rise at each m, by the theory stage's protocol (its runs,
 *   horizon and logging; real minibatches from θ0). At m = fashion.dynamics.batchSize it takes `fashion.theory`'s sgd
 *   rows, and everywhere that stage's GD drift and start loss, so nothing is measured twice.
 * - `fashion.batchSummary`: per m (mean and range over seeds) SGD's Tr(HΣ_m) at the sharp minimum, derived from the
 *   indicator's estimate at fashion.dynamics.batchSize with no new Hessian work (`numerics/batch-scaling.ts`:
 *   Tr(HΣ_m) = m₀(N − m)/(mN)·Tr(HS_m₀), SGD's minibatches being drawn without replacement), the final training-loss
 *   rise, the random-label fit, the test accuracy, and the short-horizon rise beside the linear prediction
 *   n·η²/2·Tr(HΣ_m). The report's "Beyond the paper" section plots escape against Tr(HΣ_m) from it.
 */
import { dep, inputs as allOf, named, type Dep } from '../../pipeline/deps.ts';
import { deriveSeed } from '../../pipeline/seed.ts';
import { defineStage, type ConfigReader } from '../../pipeline/stage.ts';
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

/** Whether SGD at batch size m is the sgd dynamics itself: m = fashion.dynamics.batchSize and sgd among the kinds. */
export function isMainSgd(cfg: ConfigReader, m: number): boolean {
  return m === fashionConfig(cfg)('dynamics.batchSize') && kindsOf(cfg).includes('sgd');
}

/** The batch sizes whose SGD run is one of `fashion.batchDynamics` (all but the sgd dynamics' own). */
export const extraBatchSizes = (cfg: ConfigReader) => batchSizesOf(cfg).filter((m) => !isMainSgd(cfg, m));

/** The upstream instance of SGD's run at batch size m for one seed (either stage: its `log` is what is read). */
export function sgdRunRef(cfg: ConfigReader, m: number, seed: number): Dep<{ log: DynamicsLog[] }> {
  return isMainSgd(cfg, m) ? dep(fashionDynamicsStage, { kind: 'sgd', seed }) : dep(fashionBatchDynamicsStage, { batchSize: m, seed });
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
  async run(ctx, inputs) {
    const fashion = fashionConfig(ctx.config);
    const info = await initBackend(ctx.config<BackendName>('backend'), { threads: ctx.threads });
    recordBackend(ctx, info);
    const model = createCnn();
    const { train, test, randomized, dispose } = batches(inputs.data);
    try {
      const r = await runDynamics({
        model,
        w0: inputs.start.w.data,
        train,
        randomized,
        test,
        kind: 'sgd',
        noise: {},
        refresh: 1,
        lr: fashion('dynamics.lr'),
        batchSize: ctx.params.batchSize,
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
  },
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
  version: 1,
  outputs: fashionBatchSummaryOutputs,
  description: 'fashion: per batch size, SGD’s Tr(HΣ_m) at the sharp minimum, its escape and its short-horizon loss rise (beyond the paper)',
  instances: (cfg) => (batchSizesOf(cfg).length > 0 ? [{}] : []),
  reads: ['fashion.batchSizes.sizes', 'fashion.dynamics.batchSize', 'fashion.dynamics.kinds', 'fashion.dynamics.lr', 'fashion.data.train', 'fashion.seeds'],
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
        const last = inputs[`run_${m}_${seed}`].log.at(-1)!;
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
    return {
      table,
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
