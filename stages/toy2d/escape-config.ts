/**
 * The `toy2d.escapeLaws` config block: the escape-law study's base point (η, B, the sharp basin's scale s₀ and barrier
 * ΔL₀), its three grids, repeats and horizon. Every (scale, barrier) must be reachable by lowering the flat basin and
 * every step stable (η·200·s < 2); violations are zod errors naming the path.
 */
import { z } from 'zod';
import { posInt } from '../config-schema.ts';
import { dropForBarrier } from './barrier.ts';

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
    /** The barrier ΔL₀ of the B/η and curvature sweeps. */
    barrier: z.number().positive(),
    /** SGD's B/η sweep (at s₀, ΔL₀). */
    ratios: z.array(ratio),
    /** Scales s of the curvature sweep (SGD and GLD const, at ΔL₀). */
    curvatures: z.array(z.number().gt(0.1)),
    /** Barriers ΔL of the barrier sweep (SGD and GLD const, at s₀). */
    barriers: z.array(z.number().positive()),
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
    const stable = (scale: number, lr: number, path: (string | number)[]) => {
      if (!(lr * 200 * scale < 2))
        ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: `η·λ_max = ${lr}·${200 * scale} ≥ 2: gradient descent diverges in the sharp basin` });
    };
    feasible(c.curvature, c.barrier, ['barrier']);
    stable(c.curvature, c.lr, ['lr']);
    c.ratios.forEach((r, i) => stable(c.curvature, r.lr, ['ratios', i, 'lr']));
    c.curvatures.forEach((s, i) => {
      feasible(s, c.barrier, ['curvatures', i]);
      stable(s, c.lr, ['curvatures', i]);
    });
    c.barriers.forEach((b, i) => feasible(c.curvature, b, ['barriers', i]));
  });

/** The `toy2d.escapeLaws` block. */
export type EscapeLawsConfig = z.infer<typeof escapeLawsSchema>;
