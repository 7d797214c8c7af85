/**
 * Beyond the paper, on the 2-D toy: escapes for a family of noise covariances at one total variance
 * (stages/toy2d/shapes.ts), as stages: data sets → one instance per frame (Σ fixed at the start, or re-estimated
 * along the path) with each shape's escapes and Tr(HΣ) at (1, 1).
 */
import { NDArray } from '../../cache/values.ts';
import { dep } from '../../pipeline/deps.ts';
import { defineStage, type ConfigReader } from '../../pipeline/stage.ts';
import { toy2dDataOutputs, toy2dShapesOutputs } from './outputs.ts';
import { toy2dData } from '../models/toy2d_f64.ts';
import type { NoiseConfig } from '../noise/kind.ts';
import { Rng } from '../numerics/random.ts';
import { toy2dConfig } from './config.ts';
import { runShapeDynamics, shapeFamily, shapeLabel, shapeParameter, type ShapeFrame, type ShapeSpec } from './shapes.ts';

/** The frames the config asks for, or none when the study (or the whole toy experiment) is off. */
export function shapeFrames(cfg: ConfigReader): ShapeFrame[] {
  const toy2d = toy2dConfig(cfg);
  return toy2d('enabled') && toy2d('shapes.enabled') ? toy2d('shapes.frames') : [];
}

/** The configured family. */
export function configuredFamily(cfg: ConfigReader): ShapeSpec[] {
  const toy2d = toy2dConfig(cfg);
  return shapeFamily(toy2d('shapes.angles'), toy2d('shapes.alphas'), toy2d('shapes.kinds'));
}

/** The operation of one repeat of every shape of a frame. */
export const shapeRepeatOp = (frame: ShapeFrame) => `toy2d.shapes.repeat.${frame}`;

/** One row of a frame's results. */
export interface ShapeRow {
  readonly index: number;
  readonly family: ShapeSpec['family'];
  /** φ (radians from the sharp eigenvector) for rank 1, α for mixtures, null for kinds. */
  readonly parameter: number | null;
  readonly label: string;
  readonly escapes: number;
  readonly repeats: number;
  /** Tr(HΣ) at (1, 1), mean over the data sets. */
  readonly trHSigma: number;
}

/** Runs every shape of the family in one frame; the noise of shape i comes from its own stream, seeded from (seed, i). */
export function runShapeFamily(
  family: readonly ShapeSpec[],
  frame: ShapeFrame,
  data: Float64Array,
  repeats: number,
  samples: number,
  settings: { noise: NoiseConfig; lr: number; iterations: number; variance: number; start: readonly [number, number]; seed: number },
  onShape?: (done: number, total: number) => void,
): ShapeRow[] {
  return family.map((spec, index) => {
    const r = runShapeDynamics({ data, repeats, samples, spec, frame, ...settings, rng: new Rng(settings.seed + 7919 * (index + 1)) });
    onShape?.(index + 1, family.length);
    return {
      index,
      family: spec.family,
      parameter: shapeParameter(spec),
      label: shapeLabel(spec),
      escapes: r.escapes,
      repeats: r.repeats,
      trHSigma: r.trHSigma,
    };
  });
}

/** Data sets for the shape study: repeats × samples × 2. */
export const toy2dShapeDataStage = defineStage({
  id: 'toy2d.shapeData',
  version: 1,
  outputs: toy2dDataOutputs,
  description: 'toy2d shapes: one data set of N points per repeat',
  instances: (cfg) => (shapeFrames(cfg).length > 0 ? [{}] : []),
  reads: ['seed', 'toy2d.shapes.repeats', 'toy2d.samples'],
  cost: () => ({}),
  async run(ctx) {
    const toy2d = toy2dConfig(ctx.config);
    const repeats = toy2d('shapes.repeats');
    const samples = toy2d('samples');
    const rng = new Rng(ctx.seed);
    const data = new Float64Array(repeats * samples * 2);
    for (let r = 0; r < repeats; r++) data.set(toy2dData(rng, samples), r * samples * 2);
    return { data: new NDArray(data, [repeats, samples, 2]) };
  },
});

/** Every shape's escapes and Tr(HΣ) at (1, 1) in one frame. */
export const toy2dShapesStage = defineStage({
  id: 'toy2d.shapes',
  version: 1,
  outputs: toy2dShapesOutputs,
  description: 'toy2d shapes: escapes and Tr(HΣ) for a family of noise covariances at one total variance',
  isolate: true,
  instances: (cfg) => shapeFrames(cfg).map((frame) => ({ frame })),
  reads: [
    'seed',
    'toy2d.lr',
    'toy2d.iterations',
    'toy2d.variance',
    'toy2d.start',
    'toy2d.noise',
    'toy2d.shapes.angles',
    'toy2d.shapes.alphas',
    'toy2d.shapes.kinds',
  ],
  deps: () => ({ data: dep(toy2dShapeDataStage) }),
  cost: (p, cfg) => ({ [shapeRepeatOp(p.frame as ShapeFrame)]: toy2dConfig(cfg)('shapes.repeats') }),
  async run(ctx, inputs) {
    const toy2d = toy2dConfig(ctx.config);
    const data = inputs.data.data;
    const [repeats, samples] = data.shape as [number, number, number];
    const rows = runShapeFamily(
      configuredFamily(ctx.config),
      ctx.params.frame as ShapeFrame,
      data.data,
      repeats,
      samples,
      {
        noise: toy2d('noise'),
        lr: toy2d('lr'),
        iterations: toy2d('iterations'),
        variance: toy2d('variance'),
        start: toy2d('start'),
        seed: ctx.seed,
      },
      (done, total) => {
        ctx.throwIfAborted();
        ctx.progress(done, total, 'shapes');
      },
    );
    return { rows: rows.map((r) => ({ ...r })) };
  },
});
