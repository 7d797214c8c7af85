/** The 2-D toy's config section: its schema, its type, the paper's settings, and a typed reader. */
import { z } from 'zod';
import type { ConfigReader } from '../../pipeline/stage.ts';
import { sectionReader } from '../../pipeline/config-paths.ts';
import { noiseKindName, posInt } from '../config-schema.ts';
import { NOISE_KINDS } from '../noise/registry.ts';

/**
 * A kind the toy runs: the toy places each kind's noise on the weights as a Gaussian of a covariance shape, so the
 * M-SGD kinds (noise from re-weighting the examples inside the gradient) are refused, naming the key.
 */
const toyKindName = (key: string) =>
  noiseKindName.superRefine((kind, ctx) => {
    if (NOISE_KINDS[kind].exampleWeights !== undefined)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `${key}: ${kind} is an M-SGD kind (example weights inside the gradient); the 2-D toy places noise on the weights with a shape and does not run it`,
      });
  });
import { escapeLawsSchema, type EscapeLawsConfig } from './escape-config.ts';

/** The schema of `toy2d`. */
export const toy2dSchema = z
  .object({
    /** Off: none of the toy's stages run and the report leaves its section out (the batch-size profiles). */
    enabled: z.boolean(),
    /** Independent repetitions of the whole experiment (fresh data and noise), for mean and spread. */
    seeds: posInt,
    /** Repeats per dynamics, each with its own data set. */
    repeats: posInt,
    /** Data points per data set. */
    samples: posInt.min(2),
    lr: z.number().positive(),
    iterations: posInt,
    /** Total variance E‖ξ‖² of the noise added to the weights per step. */
    variance: z.number().nonnegative(),
    start: z.tuple([z.number(), z.number()]),
    /** Minibatch size of the sgd row. */
    sgdBatch: posInt,
    kinds: z.array(toyKindName('toy2d.kinds')).nonempty(),
    noise: z
      .object({
        /** Eigenpairs kept by gld_leading and gld_hessian (2 = the full 2×2 matrix). */
        k: posInt,
        /** σ of gld_const (its shape is rescaled to `variance` anyway). */
        sigma: z.number().positive(),
        rescaleToTrace: z.boolean(),
      })
      .strict(),
    trajectory: z.object({ repeats: z.number().int().nonnegative(), every: posInt }).strict(),
    /**
     * Σ of gld_diag and gld_leading: `per-sample` (default when absent; the correct covariance) or
     * `released-cumulative` (the released 2Dim/model.py eval_Cov: cumulative sums of per-sample gradients).
     */
    covariance: z.enum(['per-sample', 'released-cumulative']).optional(),
    /**
     * Beyond the paper: escapes from (1,1) for a family of noise covariances at the same total variance
     * (stages/toy2d/shapes.ts): rank-1 noise at `angles` directions, `alphas` mixtures of isotropic and
     * top-eigenvector noise, and the GLD kinds, each held `fixed` at its start value and/or re-estimated
     * along the path (`local`), on `repeats` data sets.
     */
    shapes: z
      .object({
        enabled: z.boolean(),
        repeats: posInt,
        angles: posInt,
        alphas: posInt,
        kinds: z.array(toyKindName('toy2d.shapes.kinds')),
        frames: z.array(z.enum(['fixed', 'local'])).nonempty(),
      })
      .strict(),
    /** Beyond the paper: escape-time laws on a toy with tunable sharp curvature and barrier (stages/toy2d/escape-config.ts). */
    escapeLaws: escapeLawsSchema,
  })
  .strict();

/** The `toy2d` section. */
export type Toy2dConfig = z.infer<typeof toy2dSchema>;

/**
 * The escape-law study at paper size, in the small-learning-rate regime the theories assume (ESCAPE_ETA_LAMBDA_MAX):
 * η₀ = 0.0008 and s ∈ [0.8, 1.2], so η·λ_max ∈ [0.128, 0.192] on the curvature sweep and ≤ 0.2 on the B/η sweep
 * (η ≤ 0.001 at s₀ = 1), and the slowest mode relaxes over 1/(η·λ_min) = 50–83 steps. B/η from 1000 to 3000.
 * Barriers: SGD ΔL ∈ [0.045, 0.065] (ΔL₀ = 0.05), GLD const ΔL ∈ [0.004, 0.008] (ΔL_G = 0.006): ΔL/T ≥ 4 for both,
 * where T is each dynamics' stationary temperature along the escape direction (escapeTemperature; GLD const's matched
 * noise is isotropic, so colder along it than SGD's, whose barriers would leave it censored). SGD's barriers are
 * higher than ΔL/T ~ 5 would need: at ηλ ≤ 0.2 such a saddle lies within one data standard deviation of the minimum
 * (see docs/beyond-the-paper.md), where SGD crosses in a few steps whatever B. 400 runs per point, horizon 100,000.
 */
export const escapeLawsPaper: EscapeLawsConfig = {
  enabled: true,
  repeats: 400,
  horizon: 100_000,
  lr: 0.0008,
  batch: 1,
  curvature: 1,
  barrier: 0.05,
  gldBarrier: 0.006,
  ratios: [
    { batch: 1, lr: 0.001 },
    { batch: 1, lr: 0.0008 },
    { batch: 1, lr: 0.0006 },
    { batch: 2, lr: 0.001 },
    { batch: 2, lr: 0.0008 },
    { batch: 3, lr: 0.001 },
  ],
  curvatures: [0.8, 0.9, 1, 1.1, 1.2],
  barriers: [0.045, 0.05, 0.055, 0.06, 0.065],
  gldBarriers: [0.004, 0.005, 0.006, 0.007, 0.008],
};

/** The paper's settings. */
export const toy2dPaper: Toy2dConfig = {
  enabled: true,
  seeds: 3,
  repeats: 100,
  samples: 100,
  lr: 0.005,
  iterations: 500,
  variance: 0.01,
  start: [1, 1],
  sgdBatch: 1,
  kinds: ['gd', 'sgd', 'gld_const', 'gld_diag', 'gld_leading', 'gld_hessian', 'gld_hessian_top1'],
  noise: { k: 2, sigma: 1e-3, rescaleToTrace: false },
  trajectory: { repeats: 10, every: 5 },
  shapes: {
    enabled: true,
    repeats: 200,
    angles: 32,
    alphas: 11,
    kinds: ['gld_const', 'gld_diag', 'gld_leading', 'gld_hessian', 'gld_hessian_top1'],
    frames: ['fixed', 'local'],
  },
  escapeLaws: escapeLawsPaper,
};

/** `cfg` below `toy2d`, typed: `toy2dConfig(cfg)('noise.sigma')` is a number. */
export const toy2dConfig = (cfg: ConfigReader) => sectionReader<Toy2dConfig>(cfg, 'toy2d');
