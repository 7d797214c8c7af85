/**
 * Beyond the paper: the Hessian's spectral density by stochastic Lanczos quadrature (stages/numerics/slq.ts) at the
 * sharp minimum and at the end of each dynamics, with each point's top-k Lanczos eigenvalues, for one seed.
 */
import { dep, inputs as allOf, named } from '../../pipeline/deps.ts';
import { defineStage, type ConfigReader } from '../../pipeline/stage.ts';
import { createCnn } from '../models/cnn.ts';
import { hessianOperator } from '../models/curvature.ts';
import { lanczosOnBackend } from '../numerics/device-lanczos.ts';
import { Rng } from '../numerics/random.ts';
import { slq, slqDensity, type SlqResult } from '../numerics/slq.ts';
import { initBackend, type BackendName, gpusForBackend } from '../tf/backend.ts';
import { fashionConfig } from './config.ts';
import { fashionSpectrumOutputs } from './outputs.ts';
import { batches, fashionDataStage, fashionDynamicsStage, fashionPretrainStage, kindsOf, seedsOf } from './stages.ts';

/** Settings (`fashion.spectrum`). */
export interface SpectrumSettings {
  readonly enabled: boolean;
  /** SLQ probes and Lanczos steps per probe. */
  readonly probes: number;
  readonly steps: number;
  /** Leading eigenvalues marked on the figure. */
  readonly topK: number;
  /** Points of the density grid. */
  readonly grid: number;
}

/** Label of the sharp minimum among the spectrum's points. */
export const START_POINT = 'sharp minimum';

/** The density of several SLQ results on one common grid, Gaussian-smoothed with σ = range/100. */
export function densityRows(results: readonly { point: string; slq: SlqResult }[], points: number): { point: string; lambda: number; density: number }[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of results) for (const t of r.slq.nodes) for (const x of t) (lo = Math.min(lo, x)), (hi = Math.max(hi, x));
  const span = hi - lo || 1;
  const sigma = span / 100;
  const grid = Float64Array.from({ length: points }, (_, i) => lo - 3 * sigma + ((span + 6 * sigma) * i) / (points - 1));
  return results.flatMap((r) => {
    const d = slqDensity(r.slq, grid, sigma);
    return Array.from(grid, (lambda, i) => ({ point: r.point, lambda, density: d[i]! }));
  });
}

/** SLQ and the top-k eigenvalues at the sharp minimum and at the end of every dynamics of one seed. */
export const fashionSpectrumStage = defineStage({
  id: 'fashion.spectrum',
  version: 1,
  outputs: fashionSpectrumOutputs,
  description: 'fashion: Hessian spectral density (SLQ) at the sharp minimum and at the end of each dynamics',
  isolate: true,
  gpus: gpusForBackend,
  threads: () => Infinity,
  instances: (cfg) => (fashionConfig(cfg)('spectrum').enabled ? seedsOf(cfg).map((seed) => ({ seed })) : []),
  reads: ['seed', 'backend', 'fashion.spectrum', 'fashion.probe.lanczos', 'fashion.dynamics.kinds'],
  deps: (p, cfg: ConfigReader) =>
    allOf(
      { data: dep(fashionDataStage), start: dep(fashionPretrainStage, { seed: p.seed }) },
      named(
        'dyn_',
        kindsOf(cfg).map((kind) => [kind, dep(fashionDynamicsStage, { kind, seed: p.seed })] as const),
      ),
    ),
  cost: (_p, cfg) => {
    const s = fashionConfig(cfg)('spectrum');
    const points = 1 + kindsOf(cfg).length;
    return { 'fashion.hvp': points * (s.probes * s.steps + fashionConfig(cfg)('probe.lanczos').maxIter) };
  },
  costNote: 'the top-k Lanczos HVPs are counted at fashion.probe.lanczos.maxIter per point (an upper bound)',
  async run(ctx, inputs) {
    const fashion = fashionConfig(ctx.config);
    await initBackend(ctx.config<BackendName>('backend'), { threads: ctx.threads });
    const s = fashion('spectrum');
    const lz = fashion('probe.lanczos');
    const { train, dispose } = batches(inputs.data);
    const model = createCnn();
    const rng = new Rng(ctx.seed);
    const points: { point: string; w: Float32Array }[] = [{ point: START_POINT, w: inputs.start.w.data }];
    for (const kind of kindsOf(ctx.config)) {
      const weights = inputs[`dyn_${kind}`].checkpointWeights;
      const [c, d] = weights.shape as [number, number];
      points.push({ point: kind, w: weights.data.slice((c - 1) * d, c * d) });
    }
    const results: { point: string; slq: SlqResult }[] = [];
    const top: { point: string; rank: number; eigenvalue: number; relativeResidual: number }[] = [];
    try {
      for (const [i, p] of points.entries()) {
        const op = hessianOperator(model, p.w, train);
        try {
          results.push({ point: p.point, slq: await slq(op, { probes: s.probes, steps: s.steps, rng }) });
          const r = await lanczosOnBackend(op, {
            k: s.topK,
            tol: lz.tol,
            tolPairs: Math.min(lz.tolPairs, s.topK),
            tolRest: lz.tolRest,
            maxIter: lz.maxIter,
            rng,
          });
          r.eigenvalues.forEach((eigenvalue, rank) => top.push({ point: p.point, rank: rank + 1, eigenvalue, relativeResidual: r.relativeResiduals[rank]! }));
        } finally {
          op.dispose();
        }
        ctx.throwIfAborted();
        ctx.progress(i + 1, points.length, 'points');
      }
      return { density: densityRows(results, s.grid), top };
    } finally {
      dispose();
    }
  },
});
