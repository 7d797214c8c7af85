/** The declared outputs of the Fashion-MNIST stages (pipeline/outputs.ts): dtypes of arrays, schemas of JSON. */
import { z } from 'zod';
import { array, f32, i32, json, optional, u8 } from '../../pipeline/outputs.ts';
import type { ProbeResult } from '../dynamics/probe.ts';
import type { DynamicsLog } from '../dynamics/run.ts';
import type { HessianRefresh } from '../dynamics/statistics.ts';
import { numberOrNull, partly } from '../schemas.ts';

/** One row of a dynamics log. */
export const dynamicsLog: z.ZodType<DynamicsLog> = z.object({
  iteration: z.number(),
  trainLoss: z.number(),
  trainAccuracy: z.number(),
  cleanAccuracy: numberOrNull,
  randomAccuracy: numberOrNull,
  testLoss: numberOrNull,
  testAccuracy: numberOrNull,
  noiseTrace: z.number(),
});
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
});
/** `fashion.pretrain`. */
export const fashionPretrainOutputs = {
  w: f32,
  log: json(z.array(z.object({ iteration: z.number() }).passthrough())),
  summary: json(pretrainSummary),
} as const;

/** `fashion.dynamics` (`hessianRefreshes` is absent from entries computed before it was recorded). */
export const fashionDynamicsOutputs = {
  log: json(z.array(dynamicsLog)),
  hessianRefreshes: optional(json(z.array(hessianRefresh))),
  final: f32,
  checkpointIterations: i32,
  checkpointWeights: array('float32', 2),
} as const;

/** `fashion.indicator`. */
export const fashionStartProbeOutputs = { probe: json(probeResult) } as const;
/** `fashion.probe`: the probe at every checkpoint. */
export const fashionProbeOutputs = { points: json(z.array(partly<ProbeResult & { iteration: number }>(z.object({ iteration: z.number() }).and(probeResult)))) } as const;

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
  testAccuracy: z.number(),
  testAccuracyMin: z.number(),
  testAccuracyMax: z.number(),
  sharpness: z.number(),
});
/** `fashion.summary`. */
export const fashionSummaryOutputs = {
  lanczos: json(z.array(lanczosRow)),
  start: json(z.array(pretrainSummary)),
  tables: json(z.array(z.object({ title: z.string(), rows: z.array(pretrainSummary) }))),
  table: json(z.array(tableRow)),
  series: json(z.array(seriesRow)),
  probes: json(z.array(probeRow)),
} as const;
