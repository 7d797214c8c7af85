/** The declared outputs of the Fashion-MNIST stages (pipeline/outputs.ts): dtypes of arrays, schemas of JSON. */
import { z } from 'zod';
import { array, f32, i32, json, optional, u8 } from '../../pipeline/outputs.ts';
import type { ProbeResult } from '../dynamics/probe.ts';
import type { SharpnessPoint } from '../dynamics/sharpness-track.ts';
import type { HessianRefresh } from '../dynamics/statistics.ts';
import { dynamicsLog, noiseKindName, numberOrNull, partly } from '../schemas.ts';
import type { BatchKindRow, BatchSeedRow, BatchSizeRow, BatchTheoryRow } from './batch-size.ts';
import type { TailIndexRow } from './tail-index.ts';
import type { EscapeTheoryResult, TheoryKind, TheoryRow } from './theory.ts';

const hessianRefresh: z.ZodType<HessianRefresh> = z.object({ hvps: z.number(), maxRelativeResidual: z.number(), converged: z.boolean() });
/** Everything measured at one point (the fields the summaries read are checked). */
export const probeResult = partly<ProbeResult>(
  z
    .object({
      hessianTop: z.array(z.number()),
      hessianTopResiduals: z.array(z.number()),
      traceH: z.number(),
      traceSigma: z.number(),
      traceHSigma: z.number(),
      traceHSigmaIsotropic: z.number(),
      ratio: z.number(),
      sharpness: z.object({ estimate: z.number(), stderr: z.number() }).passthrough(),
      kinds: z.array(z.object({ kind: z.string(), traceHSigma: z.number() }).passthrough()),
    })
    .passthrough(),
);

/** `fashion.data`: images, labels, which labels were randomised and changed. */
export const fashionDataOutputs = {
  trainImages: array('uint8', 3),
  trainLabels: u8,
  originalLabels: u8,
  randomized: u8,
  changed: u8,
  testImages: array('uint8', 3),
  testLabels: u8,
  summary: json(z.object({ train: z.number(), randomLabels: z.number(), changedLabels: z.number(), test: z.number() })),
} as const;

/** The sharp minimum of one seed (`fashion.pretrain` → `summary`). */
export const pretrainSummary = z.object({
  seed: z.number(),
  iterations: z.number(),
  reached: z.boolean(),
  trainLoss: z.number(),
  trainAccuracy: z.number(),
  cleanAccuracy: numberOrNull,
  randomAccuracy: numberOrNull,
  testLoss: z.number(),
  testAccuracy: z.number(),
  /** λ_max at the end and its relative residual, and the first fit (null without a track / fit). */
  lambdaMax: numberOrNull.optional(),
  lambdaMaxResidual: numberOrNull.optional(),
  firstFitIteration: numberOrNull.optional(),
  firstFitTrainLoss: numberOrNull.optional(),
  firstFitTestAccuracy: numberOrNull.optional(),
  firstFitLambdaMax: numberOrNull.optional(),
});
/** One λ_max measurement (stages/dynamics/sharpness-track.ts). */
export const sharpnessPoint: z.ZodType<SharpnessPoint> = z.object({
  iteration: z.number(),
  lambdaMax: z.number(),
  relativeResidual: z.number(),
  hvps: z.number(),
  converged: z.boolean(),
});
/** `fashion.pretrain` (the λ_max track is empty, and its last vector absent, with fashion.sharpnessTrack off). */
export const fashionPretrainOutputs = {
  w: f32,
  log: json(z.array(z.object({ iteration: z.number() }).passthrough())),
  sharpness: json(z.array(sharpnessPoint)),
  sharpnessVector: optional(f32),
  summary: json(pretrainSummary),
} as const;

/** `fashion.dynamics` (`hessianRefreshes` is absent from entries computed before it was recorded). */
export const fashionDynamicsOutputs = {
  log: json(z.array(dynamicsLog)),
  hessianRefreshes: optional(json(z.array(hessianRefresh))),
  /** λ_max along the run (absent with fashion.sharpnessTrack off). */
  sharpness: optional(json(z.array(sharpnessPoint))),
  final: f32,
  checkpointIterations: i32,
  checkpointWeights: array('float32', 2),
} as const;

/** `fashion.indicator`. */
export const fashionStartProbeOutputs = { probe: json(probeResult) } as const;
/** `fashion.probe`: the probe at every checkpoint. */
export const fashionProbeOutputs = {
  points: json(z.array(partly<ProbeResult & { iteration: number }>(z.object({ iteration: z.number() }).and(probeResult)))),
} as const;

const seriesRow = z.intersection(dynamicsLog, z.object({ kind: z.string(), seed: z.number() }));
const probeRow = z.object({
  kind: z.string(),
  seed: z.number(),
  iteration: z.number(),
  hessianTop: z.array(z.number()),
  traceH: z.number(),
  traceSigma: z.number(),
  traceHSigma: z.number(),
  traceHSigmaIsotropic: z.number(),
  ratio: numberOrNull,
  traceHSigmaOwn: numberOrNull,
  sharpness: z.number(),
  sharpnessStderr: z.number(),
  sharpnessMode: z.enum(['signed', 'absolute']).optional(),
  testAccuracyChange: numberOrNull.optional(),
});
const lanczosRow = z.object({
  kind: z.string(),
  seed: z.number(),
  refreshes: z.number(),
  hvpsPerRefreshMean: numberOrNull,
  hvpsPerRefreshMax: numberOrNull,
  maxUsedPairResidual: numberOrNull,
  refreshesUnconverged: z.number(),
  maxProbeResidual: numberOrNull,
});
const tableRow = z.object({
  kind: z.string(),
  traceHSigmaAtStart: z.number(),
  finalTrainLoss: z.number(),
  lossRise: z.number(),
  randomLabelAccuracy: z.number(),
  /** Mean over seeds of the largest logged training loss, over the mean start loss (the run's excursion). */
  peakLossRise: z.number(),
  /** Mean over seeds of the lowest logged random-label accuracy. */
  lowestRandomFit: z.number(),
  testAccuracy: z.number(),
  testAccuracyMin: z.number(),
  testAccuracyMax: z.number(),
  sharpness: z.number(),
});
/** One λ_max measurement of the pre-training (`run` = 'pretrain') or a dynamics (`run` = its kind), edge = λ_max·η/2. */
export const sharpnessRow = z.object({
  run: z.string(),
  seed: z.number(),
  lr: z.number(),
  iteration: z.number(),
  lambdaMax: z.number(),
  relativeResidual: z.number(),
  hvps: z.number(),
  converged: z.boolean(),
  edge: z.number(),
});
/** `fashion.summary` (`sharpness` is empty with fashion.sharpnessTrack off). */
export const fashionSummaryOutputs = {
  sharpness: json(z.array(sharpnessRow)),
  lanczos: json(z.array(lanczosRow)),
  start: json(z.array(pretrainSummary)),
  tables: json(z.array(z.object({ title: z.string(), rows: z.array(pretrainSummary) }))),
  table: json(z.array(tableRow)),
  series: json(z.array(seriesRow)),
  probes: json(z.array(probeRow)),
} as const;

const theoryRow: z.ZodType<TheoryRow> = z.object({
  kind: noiseKindName,
  step: z.number(),
  t: z.number(),
  measuredMean: z.number(),
  measuredStderr: z.number(),
  gdDrift: z.number(),
  noiseInduced: z.number(),
  linear: z.number(),
  quadratic: z.number(),
  quadraticDiscrete: z.number(),
  traceHSigma: z.number(),
});
const theoryKind: z.ZodType<TheoryKind> = z.object({
  kind: noiseKindName,
  traceHSigma: z.number(),
  traceHSigmaMethod: z.enum(['exact', 'topK', 'hutchinson']),
  traceSigma: z.number(),
  topKCapture: numberOrNull,
  runs: z.number(),
});
const theoryBasis: z.ZodType<EscapeTheoryResult['basis']> = z.object({
  eigenvalues: z.array(z.number()),
  relativeResiduals: z.array(z.number()),
  converged: z.boolean(),
  sii: z.record(z.string(), z.array(z.number())),
});
const theoryTrajectory: z.ZodType<EscapeTheoryResult['trajectories'][number]> = z.object({
  kind: noiseKindName,
  steps: z.array(z.number()),
  deltas: z.array(z.array(z.number())),
});
/** `fashion.theory`: predicted against measured short-horizon loss increase, and the settings the report quotes. */
export const fashionTheoryOutputs = {
  rows: json(z.array(theoryRow)),
  kinds: json(z.array(theoryKind)),
  basis: json(theoryBasis),
  trajectories: json(z.array(theoryTrajectory)),
  settings: json(
    z.object({
      runs: z.number(),
      steps: z.number(),
      every: z.number(),
      k: z.number(),
      lr: z.number(),
      noiseFixedAtStart: z.boolean(),
      gdRuns: z.number(),
      startLoss: z.number(),
      traceH: numberOrNull,
      note: z.string(),
    }),
  ),
} as const;

/** `fashion.batchDynamics`: SGD's log at another batch size and its final weights. */
export const fashionBatchDynamicsOutputs = { log: json(z.array(dynamicsLog)), final: f32 } as const;

const batchTheoryRow: z.ZodType<BatchTheoryRow> = z.object({
  batchSize: z.number(),
  step: z.number(),
  measuredMean: z.number(),
  measuredStderr: z.number(),
  gdDrift: z.number(),
  noiseInduced: z.number(),
  source: z.enum(['fashion.batchTheory', 'fashion.theory']),
});
/** `fashion.batchTheory`. */
export const fashionBatchTheoryOutputs = {
  rows: json(z.array(batchTheoryRow)),
  trajectories: json(z.array(z.object({ batchSize: z.number(), steps: z.array(z.number()), deltas: z.array(z.array(z.number())) }))),
  settings: json(
    z.object({ runs: z.number(), steps: z.number(), every: z.number(), sizes: z.array(z.number()), fromTheory: z.array(z.number()), note: z.string() }),
  ),
} as const;

const batchSeedRow: z.ZodType<BatchSeedRow> = z.object({
  batchSize: z.number(),
  seed: z.number(),
  traceHSigma: z.number(),
  traceSigma: z.number(),
  startTrainLoss: z.number(),
  finalTrainLoss: z.number(),
  lossRise: z.number(),
  randomFit: numberOrNull,
  peakLossRise: z.number(),
  lowestRandomFit: numberOrNull,
  testAccuracy: numberOrNull,
  horizon: z.number(),
  shortHorizonRise: z.number(),
  shortHorizonStderr: z.number(),
  linear: z.number(),
  ratioToLinear: numberOrNull,
});
const batchSizeRow: z.ZodType<BatchSizeRow> = z.object({
  batchSize: z.number(),
  seeds: z.number(),
  traceHSigma: z.number(),
  traceHSigmaTimesM: z.number(),
  traceSigma: z.number(),
  lossRise: z.number(),
  lossRiseMin: z.number(),
  lossRiseMax: z.number(),
  finalTrainLoss: z.number(),
  randomFit: numberOrNull,
  randomFitMin: numberOrNull,
  randomFitMax: numberOrNull,
  peakLossRise: z.number(),
  lowestRandomFit: numberOrNull,
  testAccuracy: numberOrNull,
  horizon: z.number(),
  shortHorizonRise: z.number(),
  shortHorizonStderr: z.number(),
  linear: z.number(),
  ratioToLinear: numberOrNull,
  run: z.enum(['fashion.dynamics', 'fashion.batchDynamics']),
});
const batchKindRow: z.ZodType<BatchKindRow> = z.object({
  kind: noiseKindName,
  batchSize: z.number(),
  seeds: z.number(),
  lossRise: z.number(),
  lossRiseMin: z.number(),
  lossRiseMax: z.number(),
  randomFit: z.number().nullable(),
  randomFitMin: z.number().nullable(),
  randomFitMax: z.number().nullable(),
  testAccuracy: z.number().nullable(),
  testAccuracyMin: z.number().nullable(),
  testAccuracyMax: z.number().nullable(),
  run: z.enum(['fashion.dynamics', 'fashion.batchDynamics', 'fashion.batchKindDynamics']),
});
/** `fashion.batchSummary`; `kinds`: per (kind, m) of fashion.batchSizes.kinds, where each run ended. */
export const fashionBatchSummaryOutputs = {
  table: json(z.array(batchSizeRow)),
  kinds: json(z.array(batchKindRow)),
  perSeed: json(z.array(batchSeedRow)),
  series: json(z.array(z.intersection(dynamicsLog, z.object({ batchSize: z.number(), seed: z.number() })))),
  settings: json(z.object({ trainImages: z.number(), estimateBatchSize: z.number(), lr: z.number(), traceFrom: z.string() })),
} as const;

const tailIndexRow: z.ZodType<TailIndexRow> = z.object({
  direction: z.string(),
  alpha: z.number(),
  lower: z.number(),
  upper: z.number(),
  k1: z.number(),
  k2: z.number(),
  samples: z.number(),
});
/** `fashion.tailIndex`: α̂ per direction, the top eigenvalue, and the projections (directions × samples). */
export const fashionTailIndexOutputs = { rows: json(z.array(tailIndexRow)), topEigenvalue: json(z.number()), projections: array('float64', 2) } as const;

/** `fashion.spectrum`: the SLQ density on a common grid and each point's top-k eigenvalues. */
export const fashionSpectrumOutputs = {
  density: json(z.array(z.object({ point: z.string(), lambda: z.number(), density: z.number() }))),
  top: json(z.array(z.object({ point: z.string(), rank: z.number(), eigenvalue: z.number(), relativeResidual: z.number() }))),
} as const;
