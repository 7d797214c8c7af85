/**
 * The escape-law study's point stage: `toy2d.escape[dynamics, batch, lr, scale, barrier]`, the first escape times of
 * `toy2d.escapeLaws.repeats` runs from the sharp minimum, censored at the horizon (stages/toy2d/escape-time.ts).
 */
import { defineStage } from '../../pipeline/stage.ts';
import { Rng } from '../numerics/random.ts';
import { dropForBarrier, toy2dSgdNoiseTrace } from './barrier.ts';
import { toy2dConfig } from './config.ts';
import { escapePoints, matchedVariance, type EscapePoint } from './escape-points.ts';
import { runEscapeTimes } from './escape-time.ts';
import { toy2dEscapeOutputs } from './outputs.ts';

/** The operation of one run of one point (its cost depends on how soon it escapes, so it is per point). */
export const escapeRunOp = (p: EscapePoint) => `toy2d.escape.run.${p.dynamics}.B${p.batch}.lr${p.lr}.s${p.scale}.dL${p.barrier}`;

/** Runs one point: escape times and flags per run. */
export function runEscapePoint(
  p: EscapePoint,
  o: { repeats: number; horizon: number; referenceScale: number; seed: number; onRepeat?(done: number, total: number): void },
) {
  const shape = { scale: p.scale, drop: dropForBarrier(p.scale, p.barrier) };
  return runEscapeTimes({
    repeats: o.repeats,
    shape,
    dynamics: p.dynamics,
    lr: p.lr,
    batch: p.batch,
    variance: p.dynamics === 'gld_const' ? matchedVariance(p.lr, p.batch, o.referenceScale, toy2dSgdNoiseTrace) : 0,
    horizon: o.horizon,
    rng: new Rng(o.seed),
    ...(o.onRepeat ? { onRepeat: o.onRepeat } : {}),
  });
}

/** One point of the escape-law sweeps. */
export const toy2dEscapeStage = defineStage({
  id: 'toy2d.escape',
  version: 1,
  outputs: toy2dEscapeOutputs,
  description: 'toy2d escape laws: first escape times from the sharp minimum at one (dynamics, B, η, curvature, barrier), censored at the horizon',
  instances: (cfg) => escapePoints(cfg).map((p) => ({ ...p })),
  reads: (p) => ['seed', 'toy2d.escapeLaws.repeats', 'toy2d.escapeLaws.horizon', ...(p.dynamics === 'gld_const' ? ['toy2d.escapeLaws.curvature'] : [])],
  cost: (p, cfg) => ({ [escapeRunOp(p as unknown as EscapePoint)]: toy2dConfig(cfg)('escapeLaws.repeats') }),
  async run(ctx) {
    const toy2d = toy2dConfig(ctx.config);
    const p = ctx.params as unknown as EscapePoint;
    const r = runEscapePoint(p, {
      repeats: toy2d('escapeLaws.repeats'),
      horizon: toy2d('escapeLaws.horizon'),
      // only GLD const's matched variance uses s₀ (and only its instances read it)
      referenceScale: p.dynamics === 'gld_const' ? toy2d('escapeLaws.curvature') : Number.NaN,
      seed: ctx.seed,
      onRepeat: (done, total) => {
        if (done % 20 === 0 || done === total) {
          ctx.throwIfAborted();
          ctx.progress(done, total, 'runs');
        }
      },
    });
    return { times: r.times, escaped: r.escaped };
  },
});
