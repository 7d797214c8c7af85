/** The declared outputs of the toy2d stages (pipeline/outputs.ts): dtypes of arrays, schemas of JSON. */
import { z } from 'zod';
import { f64, json, u8 } from '../../pipeline/outputs.ts';
import type { Toy2dRow } from '../report/figures/toy2d.ts';
import { noiseKindName, numberOrNull } from '../schemas.ts';
import type { KindIndicator } from './indicator.ts';
import type { ShapeRow } from './shape-stages.ts';
import type { Finding, ShapeCorrelation, ShapePair, ShapeSummaryRow } from './shape-summary.ts';
import type { ShapeFrame } from './shapes.ts';
import type { EscapeRow } from './escape-summary.ts';

/** `toy2d.data` and `toy2d.shapeData`: repeats × samples × 2. */
export const toy2dDataOutputs = { data: { ...f64, rank: 3 } } as const;

/** `toy2d.dynamics`. */
export const toy2dDynamicsOutputs = {
  final: { ...f64, rank: 2 },
  finalLoss: f64,
  escaped: u8,
  trajectories: { ...f64, rank: 3 },
  summary: json(z.object({ kind: z.string(), seed: z.number(), repeats: z.number(), escapes: z.number() })),
} as const;

const kindIndicator: z.ZodType<KindIndicator> = z.object({ kind: noiseKindName, mean: z.number(), sd: z.number(), closedForm: numberOrNull });
/** `toy2d.indicator`. */
export const toy2dIndicatorOutputs = { indicators: json(z.array(kindIndicator)) } as const;

const toy2dRow: z.ZodType<Toy2dRow> = z.object({
  kind: z.string(),
  repeats: z.number(),
  escapes: z.array(z.number()),
  escapesMean: z.number(),
  escapesMin: z.number(),
  escapesMax: z.number(),
  traceHSigma: numberOrNull,
  traceHSigmaClosedForm: numberOrNull,
});
/** `toy2d.summary`. */
export const toy2dSummaryOutputs = {
  table: json(z.array(toy2dRow)),
  trajectories: json(z.array(z.object({ kind: z.string(), repeat: z.number(), point: z.number(), w1: z.number(), w2: z.number() }))),
  lossGrid: json(z.object({ w1: z.array(z.number()), w2: z.number().array(), loss: z.number().array() })),
} as const;

const shapeFrame = z.enum(['fixed', 'local']) satisfies z.ZodType<ShapeFrame>;
const shapeRow = z.object({
  index: z.number(),
  family: z.enum(['rank1', 'mixture', 'kind']),
  parameter: numberOrNull,
  label: z.string(),
  escapes: z.number(),
  repeats: z.number(),
  trHSigma: z.number(),
}) satisfies z.ZodType<ShapeRow>;
/** `toy2d.shapes`. */
export const toy2dShapesOutputs = { rows: json(z.array(shapeRow)) } as const;

const shapeSummaryRow: z.ZodType<ShapeSummaryRow> = shapeRow.extend({ frame: shapeFrame, rate: z.number(), lower: z.number(), upper: z.number() });
const shapePair: z.ZodType<ShapePair> = z.object({
  frame: shapeFrame,
  a: z.string(),
  b: z.string(),
  trA: z.number(),
  trB: z.number(),
  rateA: z.number(),
  rateB: z.number(),
  gap: z.number(),
});
const shapeCorrelation: z.ZodType<ShapeCorrelation> = z.object({
  frame: shapeFrame,
  shapes: z.number(),
  rho: z.number(),
  lower: z.number(),
  upper: z.number(),
  resamples: z.number(),
  degenerate: z.number(),
});
const finding: z.ZodType<Finding> = z.object({
  id: z.string(),
  finding: z.string(),
  criterion: z.string(),
  thisRun: z.string(),
  verdict: z.enum(['holds', 'does not hold']),
});
/** `toy2d.shapesSummary`. */
export const toy2dShapesSummaryOutputs = {
  table: json(z.array(shapeSummaryRow)),
  correlation: json(z.array(shapeCorrelation)),
  equalTraceDisjoint: json(z.array(shapePair)),
  misordered: json(z.array(shapePair)),
  findings: json(z.array(finding)),
} as const;

/** `toy2d.escape`: per run the first escape iteration (or the horizon) and whether it escaped. */
export const toy2dEscapeOutputs = { times: f64, escaped: u8 } as const;

const escapeSweep = z.enum(['sgd-ratio', 'sgd-curvature', 'gld-curvature', 'sgd-barrier', 'gld-barrier']);
const escapeRow = z.object({
  sweep: escapeSweep,
  dynamics: z.enum(['sgd', 'gld_const']),
  batch: z.number(),
  lr: z.number(),
  batchOverLr: z.number(),
  scale: z.number(),
  lambdaMax: z.number(),
  logLambdaMax: z.number(),
  etaLambdaMax: z.number(),
  relaxation: z.number(),
  drop: z.number(),
  barrierLoss: z.enum(['population', 'data-free']),
  deltaL: z.number(),
  deltaLogL: z.number(),
  dataFreeDeltaL: z.number(),
  barrierOverT: z.number(),
  repeats: z.number(),
  escapes: z.number(),
  timeAtRisk: z.number(),
  tau: numberOrNull,
  tauLower: z.number(),
  tauUpper: numberOrNull,
  logTau: numberOrNull,
}) satisfies z.ZodType<EscapeRow>;
const escapeFit = z.object({
  sweep: escapeSweep,
  x: z.string(),
  excluded: z.number(),
  points: z.number(),
  intercept: z.number(),
  slope: z.number(),
  slopeSe: z.number(),
  slopeLower: z.number(),
  slopeUpper: z.number(),
  r2: numberOrNull,
});
/** `toy2d.escapeSummary`. */
export const toy2dEscapeSummaryOutputs = {
  table: json(z.array(escapeRow)),
  fits: json(z.array(escapeFit)),
  findings: json(z.array(finding)),
} as const;
