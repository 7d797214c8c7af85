/**
 * The 2-D toy experiment (paper Fig. 2) as stages: data sets per seed → one dynamics per (kind, seed) → Tr(HΣ) per
 * kind at (1,1) per seed → a summary over seeds.
 */
import { NDArray } from '../../cache/values.ts';
import { dep, inputs, named } from '../../pipeline/deps.ts';
import { defineStage, type ConfigReader } from '../../pipeline/stage.ts';
import { toy2dData, toy2dEvaluate } from '../models/toy2d_f64.ts';
import type { NoiseKindName } from '../noise/kind.ts';
import { Rng } from '../numerics/random.ts';
import { toy2dConfig } from './config.ts';
import { runToy2dDynamics } from './dynamics.ts';
import { toy2dIndicators, type KindIndicator } from './indicator.ts';
import { usesCovarianceShape } from './statistics.ts';
import { noiseKind } from '../noise/registry.ts';
import { seedIndices } from '../seeds.ts';
import { toy2dRepeatOp } from './cost.ts';
import { toy2dDataOutputs, toy2dDynamicsOutputs, toy2dIndicatorOutputs, toy2dSummaryOutputs } from './outputs.ts';

/** The seed indices, none when the experiment is off (`toy2d.enabled`). */
const seedsOf = (cfg: ConfigReader) => (toy2dConfig(cfg)('enabled') ? seedIndices(cfg, 'toy2d.seeds') : []);

/** Whether a kind's toy dynamics reads `toy2d.covariance` (only kinds whose noise shape uses Σ: gld_diag, gld_leading). */
function readsCovariance(kind: NoiseKindName, cfg: ConfigReader): boolean {
  const k = noiseKind(kind);
  return usesCovarianceShape(k, k.needs(toy2dConfig(cfg)('noise')));
}

/** Fresh data per repeat: repeats × samples × 2. */
export const toy2dDataStage = defineStage({
  id: 'toy2d.data',
  version: 1,
  outputs: toy2dDataOutputs,
  description: 'toy2d: one data set of N points per repeat',
  instances: (cfg) => seedsOf(cfg).map((seed) => ({ seed })),
  reads: ['seed', 'toy2d.repeats', 'toy2d.samples'],
  cost: () => ({}),
  async run(ctx) {
    const toy2d = toy2dConfig(ctx.config);
    const repeats = toy2d('repeats');
    const samples = toy2d('samples');
    const rng = new Rng(ctx.seed);
    const data = new Float64Array(repeats * samples * 2);
    for (let r = 0; r < repeats; r++) data.set(toy2dData(rng, samples), r * samples * 2);
    return { data: new NDArray(data, [repeats, samples, 2]) };
  },
});

/** One noise kind run from (1,1) on every repeat. */
export const toy2dDynamicsStage = defineStage({
  id: 'toy2d.dynamics',
  version: 1,
  outputs: toy2dDynamicsOutputs,
  description: 'toy2d: dynamics of one noise kind from the sharp minimum, all repeats',
  isolate: true,
  instances: (cfg) => toy2dConfig(cfg)('kinds').flatMap((kind) => seedsOf(cfg).map((seed) => ({ kind, seed }))),
  reads: (p, cfg) => [
    'seed',
    'toy2d.lr',
    'toy2d.iterations',
    'toy2d.variance',
    'toy2d.start',
    'toy2d.sgdBatch',
    'toy2d.noise',
    'toy2d.trajectory',
    ...(readsCovariance(p.kind as NoiseKindName, cfg) ? ['toy2d.covariance?'] : []),
  ],
  deps: (p) => ({ data: dep(toy2dDataStage, { seed: p.seed }) }),
  cost: (p, cfg) => ({ [toy2dRepeatOp(p.kind)]: toy2dConfig(cfg)('repeats') }),
  async run(ctx, inputs) {
    const toy2d = toy2dConfig(ctx.config);
    const data = inputs.data.data;
    const [repeats, samples] = data.shape as [number, number, number];
    const result = runToy2dDynamics({
      data: data.data,
      repeats,
      samples,
      kind: ctx.params.kind as NoiseKindName,
      noise: toy2d('noise'),
      lr: toy2d('lr'),
      iterations: toy2d('iterations'),
      variance: toy2d('variance'),
      covariance: readsCovariance(ctx.params.kind as NoiseKindName, ctx.config) ? toy2d('covariance') : undefined,
      sgdBatch: toy2d('sgdBatch'),
      start: toy2d('start'),
      rng: new Rng(ctx.seed),
      trajectoryRepeats: toy2d('trajectory.repeats'),
      trajectoryEvery: toy2d('trajectory.every'),
      onRepeat: (done, total, escapes) => {
        ctx.throwIfAborted();
        ctx.progress(done, total, 'repeats', [{ name: 'escapedFraction', label: 'escaped', value: escapes / done, format: 'percent' }]);
      },
    });
    const escapes = result.escaped.reduce((a, b) => a + b, 0);
    return {
      final: new NDArray(result.final, [repeats, 2]),
      finalLoss: result.finalLoss,
      escaped: result.escaped,
      trajectories: new NDArray(result.trajectories, [result.trajectories.length / (2 * result.points), result.points, 2]),
      summary: { kind: ctx.params.kind, seed: ctx.params.seed, repeats, escapes },
    };
  },
});

/** Tr(HΣ_kind) at (1,1) for every kind, on this seed's data sets. */
export const toy2dIndicatorStage = defineStage({
  id: 'toy2d.indicator',
  version: 1,
  outputs: toy2dIndicatorOutputs,
  description: 'toy2d: Tr(HΣ) of each noise kind at (1,1), same total variance',
  instances: (cfg) => seedsOf(cfg).map((seed) => ({ seed })),
  reads: ['toy2d.kinds', 'toy2d.noise', 'toy2d.variance', 'toy2d.covariance?'],
  cost: () => ({}),
  deps: (p) => ({ data: dep(toy2dDataStage, { seed: p.seed }) }),
  async run(ctx, inputs) {
    const toy2d = toy2dConfig(ctx.config);
    const data = inputs.data.data;
    const [repeats, samples] = data.shape as [number, number, number];
    const kinds = toy2d('kinds');
    const rows = toy2dIndicators(data.data, repeats, samples, kinds, toy2d('noise'), toy2d('variance'), toy2d('covariance'));
    return { indicators: rows.map((r) => ({ ...r })) };
  },
});

/** The grid on which the summary evaluates the loss surface for the contour plot: [min, max] per axis and points per axis. */
const LOSS_GRID = { min: -2.5, max: 2.5, points: 101 } as const;

/** The training loss of data set 0 of the first seed on a square grid: w1 varies fastest; the plot's contour source. */
export function toy2dLossGrid(data: Float64Array, samples: number, grid = LOSS_GRID): { w1: number[]; w2: number[]; loss: number[] } {
  const first = data.subarray(0, samples * 2);
  const axis = Array.from({ length: grid.points }, (_, i) => grid.min + ((grid.max - grid.min) * i) / (grid.points - 1));
  const loss: number[] = [];
  for (const w2 of axis) for (const w1 of axis) loss.push(toy2dEvaluate([w1, w2], first).loss);
  return { w1: axis, w2: axis, loss };
}

/** Success counts per kind (mean and range over seeds) beside each kind's Tr(HΣ) at (1,1); trajectories and the loss surface for the plot. */
export const toy2dSummaryStage = defineStage({
  id: 'toy2d.summary',
  version: 2,
  outputs: toy2dSummaryOutputs,
  description: 'toy2d: escapes per kind over seeds, with Tr(HΣ) at (1,1); trajectories and loss surface for the figure',
  instances: (cfg) => (toy2dConfig(cfg)('enabled') ? [{}] : []),
  reads: ['toy2d.kinds', 'toy2d.seeds'],
  cost: () => ({}),
  deps: (_p, cfg) =>
    inputs(
      { data_first: dep(toy2dDataStage, { seed: seedsOf(cfg)[0]! }) },
      named(
        'dyn_',
        toy2dConfig(cfg)('kinds').flatMap((kind) => seedsOf(cfg).map((seed) => [`${kind}_${seed}`, dep(toy2dDynamicsStage, { kind, seed })] as const)),
      ),
      named(
        'ind_',
        seedsOf(cfg).map((seed) => [`${seed}`, dep(toy2dIndicatorStage, { seed })] as const),
      ),
    ),
  async run(ctx, inputs) {
    const kinds = toy2dConfig(ctx.config)('kinds');
    const seeds = seedIndices(ctx.config, 'toy2d.seeds');
    const indicators = seeds.map((s) => inputs[`ind_${s}`].indicators);
    const rows = kinds.map((kind) => {
      const counts = seeds.map((s) => inputs[`dyn_${kind}_${s}`].summary.escapes);
      const repeats = inputs[`dyn_${kind}_${seeds[0]}`].summary.repeats;
      const ind = indicators.map((list) => list.find((i) => i.kind === kind)).filter((i): i is KindIndicator => i !== undefined);
      return {
        kind,
        repeats,
        escapes: counts,
        escapesMean: counts.reduce((a, b) => a + b, 0) / counts.length,
        escapesMin: Math.min(...counts),
        escapesMax: Math.max(...counts),
        traceHSigma: ind.length ? ind.reduce((a, i) => a + i.mean, 0) / ind.length : null,
        traceHSigmaClosedForm: ind[0]?.closedForm ?? null,
      };
    });
    // Trajectories of the first seed (the dynamics keep `toy2d.trajectory.repeats` of them, every few steps).
    const trajectories: { kind: string; repeat: number; point: number; w1: number; w2: number }[] = [];
    for (const kind of kinds) {
      const tr = inputs[`dyn_${kind}_${seeds[0]}`].trajectories;
      const [repeats, points] = tr.shape as [number, number, number];
      for (let r = 0; r < repeats; r++) {
        for (let p = 0; p < points; p++)
          trajectories.push({ kind, repeat: r, point: p, w1: tr.data[(r * points + p) * 2]!, w2: tr.data[(r * points + p) * 2 + 1]! });
      }
    }
    const data = inputs.data_first.data;
    return { table: rows, trajectories, lossGrid: toy2dLossGrid(data.data, data.shape[1]!) };
  },
});
