/**
 * Beyond the paper: the tail index α of SGD's gradient noise at the sharp minimum (Şimşekli, Sagun & Gürbüzbalaban
 * 2019), along the top Hessian eigenvector and along random directions. The noise samples are the projections
 * uᵀ(g_B − g) of `samples` minibatch gradients g_B (m = fashion.dynamics.batchSize, drawn without replacement) minus
 * the full-batch gradient g; α̂ is the Mohammadi et al. (2015) estimator with a bootstrap interval
 * (stages/numerics/tail-index.ts). α = 2 is Gaussian; α < 2 is heavy-tailed (α-stable).
 */
import { NDArray } from '../../cache/values.ts';
import { dep } from '../../pipeline/deps.ts';
import { defineStage } from '../../pipeline/stage.ts';
import { createCnn } from '../models/cnn.ts';
import { hessianOperator, minibatchValueAndGrad, valueAndGradRead } from '../models/curvature.ts';
import type { FlatModel, Batch } from '../models/model.ts';
import { lanczosOnBackend } from '../numerics/device-lanczos.ts';
import { Rng } from '../numerics/random.ts';
import { tailIndexInterval } from '../numerics/tail-index.ts';
import { initBackend, type BackendName } from '../tf/backend.ts';
import { readFloat32 } from '../tf/read.ts';
import { fashionConfig } from './config.ts';
import { minibatchGradOp } from './cost.ts';
import { fashionTailIndexOutputs } from './outputs.ts';
import { batches, fashionDataStage, fashionPretrainStage, seedsOf } from './stages.ts';

/** Settings of the tail-index measurement (`fashion.tailIndex`). */
export interface TailIndexSettings {
  readonly enabled: boolean;
  /** Minibatch gradients drawn. */
  readonly samples: number;
  /** Random unit directions besides the top Hessian eigenvector. */
  readonly directions: number;
  /** Bootstrap resamples of each interval. */
  readonly resamples: number;
}

/** One direction's estimate. */
export interface TailIndexRow {
  readonly direction: string;
  readonly alpha: number;
  readonly lower: number;
  readonly upper: number;
  readonly k1: number;
  readonly k2: number;
  readonly samples: number;
}

/** m distinct indices of [0, n), uniformly (partial Fisher–Yates). */
function withoutReplacement(rng: Rng, n: number, m: number, scratch: Int32Array): Int32Array {
  for (let i = 0; i < n; i++) scratch[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = scratch[i]!;
    scratch[i] = scratch[j]!;
    scratch[j] = t;
  }
  return scratch.slice(0, m);
}

/** A unit vector with independent normal entries. */
function randomDirection(rng: Rng, size: number): Float64Array {
  const v = new Float64Array(size);
  let norm = 0;
  for (let i = 0; i < size; i++) {
    v[i] = rng.normal();
    norm += v[i]! * v[i]!;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < size; i++) v[i]! /= norm;
  return v;
}

/**
 * Projections of `samples` minibatch gradient-noise vectors g_B − g on each of `directions` (float64 dot products),
 * as one Float64Array per direction.
 */
export async function noiseProjections(
  model: FlatModel,
  w: Float32Array,
  train: Batch,
  batchSize: number,
  samples: number,
  directions: readonly Float64Array[],
  rng: Rng,
  onSample?: (done: number) => void,
): Promise<Float64Array[]> {
  const n = train.x.shape[0]!;
  if (batchSize > n) throw new Error(`tail index: minibatches of ${batchSize} from ${n} training images`);
  const full = (await valueAndGradRead(model, w, train)).grad;
  const out = directions.map(() => new Float64Array(samples));
  const scratch = new Int32Array(n);
  for (let s = 0; s < samples; s++) {
    const { value, grad } = minibatchValueAndGrad(model, w, train, withoutReplacement(rng, n, batchSize, scratch));
    let g: Float32Array;
    try {
      g = await readFloat32(grad);
    } finally {
      value.dispose();
      grad.dispose();
    }
    directions.forEach((u, d) => {
      let dot = 0;
      for (let i = 0; i < g.length; i++) dot += (g[i]! - full[i]!) * u[i]!;
      out[d]![s] = dot;
    });
    onSample?.(s + 1);
  }
  return out;
}

/** α̂ of SGD's gradient noise at the sharp minimum of one seed, along the top Hessian eigenvector and random directions. */
export const fashionTailIndexStage = defineStage({
  id: 'fashion.tailIndex',
  version: 2, // 2: the estimate and its interval average over random blockings
  outputs: fashionTailIndexOutputs,
  description: 'fashion: tail index of SGD’s gradient noise at the sharp minimum (top Hessian direction and random directions)',
  isolate: true,
  threads: () => Infinity,
  instances: (cfg) => (fashionConfig(cfg)('tailIndex').enabled ? seedsOf(cfg).map((seed) => ({ seed })) : []),
  reads: ['seed', 'backend', 'fashion.dynamics.batchSize', 'fashion.tailIndex', 'fashion.probe.lanczos'],
  deps: (p) => ({ data: dep(fashionDataStage), start: dep(fashionPretrainStage, { seed: p.seed }) }),
  cost: (_p, cfg) => ({
    [minibatchGradOp(fashionConfig(cfg)('dynamics.batchSize'))]: fashionConfig(cfg)('tailIndex').samples,
    'fashion.hvp': fashionConfig(cfg)('probe.lanczos').maxIter,
  }),
  costNote: 'the Lanczos HVPs for the top eigenvector are counted at fashion.probe.lanczos.maxIter (an upper bound)',
  async run(ctx, inputs) {
    const fashion = fashionConfig(ctx.config);
    await initBackend(ctx.config<BackendName>('backend'), { threads: ctx.threads });
    const settings = fashion('tailIndex');
    const lz = fashion('probe.lanczos');
    const { train, dispose } = batches(inputs.data);
    const model = createCnn();
    const w = inputs.start.w.data;
    const rng = new Rng(ctx.seed);
    try {
      const op = hessianOperator(model, w, train);
      let top: Float64Array;
      let topEigenvalue: number;
      try {
        const r = await lanczosOnBackend(op, { k: 1, tol: lz.tol, tolPairs: 1, maxIter: lz.maxIter, rng });
        top = r.eigenvectors[0]!;
        topEigenvalue = r.eigenvalues[0]!;
      } finally {
        op.dispose();
      }
      const directions = [top, ...Array.from({ length: settings.directions }, () => randomDirection(rng, model.size))];
      const names = ['top Hessian eigenvector', ...Array.from({ length: settings.directions }, (_, i) => `random direction ${i + 1}`)];
      const projections = await noiseProjections(model, w, train, fashion('dynamics.batchSize'), settings.samples, directions, rng, (done) => {
        ctx.throwIfAborted();
        if (done % 50 === 0 || done === settings.samples) ctx.progress(done, settings.samples, 'minibatches');
      });
      const rows: TailIndexRow[] = projections.map((p, d) => {
        const e = tailIndexInterval(p, rng, { resamples: settings.resamples });
        return { direction: names[d]!, alpha: e.alpha, lower: e.lower, upper: e.upper, k1: e.k1, k2: e.k2, samples: p.length };
      });
      return {
        rows,
        topEigenvalue,
        projections: new NDArray(Float64Array.from(projections.flatMap((p) => Array.from(p))), [projections.length, settings.samples]),
      };
    } finally {
      dispose();
    }
  },
});
