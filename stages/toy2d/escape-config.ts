/**
 * The `toy2d.escapeLaws` config block: the escape-law study's base point (η, B, the sharp basin's scale s₀, SGD's
 * barrier ΔL₀ and GLD const's ΔL_G), its three grids, repeats and horizon. Every (scale, barrier) must be reachable by
 * lowering the flat basin, and every (η, s) the study runs must keep η·λ_max = η·200·s ≤ ESCAPE_ETA_LAMBDA_MAX, the
 * small-learning-rate regime the escape theories are derived in; violations are zod errors naming the path.
 */
import { z } from 'zod';
import { posInt } from '../config-schema.ts';
import { dropForBarrier } from './barrier.ts';
import { sgdCurvatureBarrier } from './population-match.ts';
import { ESCAPE_ETA_LAMBDA_MAX } from '../escape-regime.ts';

/** One point of the B/η grid. */
const ratio = z.object({ batch: posInt, lr: z.number().positive() }).strict();

/** The schema of `toy2d.escapeLaws`. */
export const escapeLawsSchema = z
  .object({
    enabled: z.boolean(),
    /** Independent runs per point (each its own noise stream), for the censored mean escape time's interval. */
    repeats: posInt.min(2),
    /** Iterations after which a run that has not escaped is censored. */
    horizon: posInt,
    /** η and B of the curvature and barrier sweeps (and of GLD const's variance matching). */
    lr: z.number().positive(),
    batch: posInt,
    /** The sharp basin's scale s₀ (Hessian s₀·[[110, 90], [90, 110]]) of the B/η and barrier sweeps; GLD const is matched at it. */
    curvature: z.number().gt(0.1),
    /** SGD's data-free barrier ΔL₀ at s₀: of the B/η sweep; SGD's curvature sweep holds its population barrier ΔL̄(s₀, ΔL₀). */
    barrier: z.number().positive(),
    /** GLD const's barrier ΔL_G of its curvature sweep (its matched noise is colder along the escape direction than SGD's). */
    gldBarrier: z.number().positive(),
    /** SGD's B/η sweep (at s₀, ΔL₀). */
    ratios: z.array(ratio),
    /** Scales s of the curvature sweep (SGD at the population barrier ΔL̄(s₀, ΔL₀), GLD const at the data-free ΔL_G). */
    curvatures: z.array(z.number().gt(0.1)),
    /** Barriers ΔL of SGD's barrier sweep (at s₀). */
    barriers: z.array(z.number().positive()),
    /** Barriers ΔL of GLD const's barrier sweep (at s₀). */
    gldBarriers: z.array(z.number().positive()),
  })
  .strict()
  .superRefine((c, ctx) => {
    const feasible = (scale: number, barrier: number, path: (string | number)[]) => {
      try {
        dropForBarrier(scale, barrier);
      } catch (e) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: (e as Error).message });
      }
    };
    const smallStep = (scale: number, lr: number, path: (string | number)[]) => {
      const etaLambda = lr * 200 * scale;
      if (!(etaLambda <= ESCAPE_ETA_LAMBDA_MAX))
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path,
          message: `η·λ_max = ${lr}·${200 * scale} = ${etaLambda.toPrecision(3)} exceeds ${ESCAPE_ETA_LAMBDA_MAX}: outside the small-learning-rate regime of the escape theories (ESCAPE_ETA_LAMBDA_MAX)`,
        });
    };
    feasible(c.curvature, c.barrier, ['barrier']);
    feasible(c.curvature, c.gldBarrier, ['gldBarrier']);
    smallStep(c.curvature, c.lr, ['lr']);
    c.ratios.forEach((r, i) => smallStep(c.curvature, r.lr, ['ratios', i, 'lr']));
    c.curvatures.forEach((s, i) => {
      if (c.enabled)
        try {
          sgdCurvatureBarrier(c, s, i);
        } catch (e) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['curvatures', i], message: (e as Error).message });
        }
      feasible(s, c.gldBarrier, ['curvatures', i]);
      smallStep(s, c.lr, ['curvatures', i]);
    });
    c.barriers.forEach((b, i) => feasible(c.curvature, b, ['barriers', i]));
    c.gldBarriers.forEach((b, i) => feasible(c.curvature, b, ['gldBarriers', i]));
  });

/** The `toy2d.escapeLaws` block. */
export type EscapeLawsConfig = z.infer<typeof escapeLawsSchema>;
