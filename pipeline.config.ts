/**
 * The experiment configuration of sgd-noise: one zod schema (strict: unknown keys are errors) and named profiles.
 * `quick` is the default of `npm start`; `paper` follows the paper's protocols. Override any key from the CLI:
 * `sgd-noise run report.title="my run"`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineProject } from './pipeline/project.ts';
import { NOISE_KINDS } from './stages/noise/registry.ts';
import { stages } from './stages/registry.ts';

const noiseKindName = z.enum(Object.keys(NOISE_KINDS) as [string, ...string[]]);
const posInt = z.number().int().positive();

/** The configuration schema. */
export const configSchema = z
  .object({
    /** Root seed; every stage that reads `seed` derives its own from it and its instance id. */
    seed: z.number().int(),
    /** tfjs backend for the numerical stages. */
    backend: z.enum(['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu']),
    /** The paper's 2-D two-basin toy (Fig. 2). */
    toy2d: z
      .object({
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
        kinds: z.array(noiseKindName).nonempty(),
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
      })
      .strict(),
    /** The one-hidden-layer network (Fig. 4). */
    onehidden: z
      .object({
        seeds: posInt,
        samples: posInt,
        hidden: posInt.refine((h) => h % 2 === 0, 'hidden units must be even (half +1, half −1 output weights)'),
        epochs: posInt,
        itersPerEpoch: posInt,
        lr: z.number().positive(),
        /** The learning rate decays linearly over this many final epochs. */
        decayEpochs: posInt,
        /** Minibatch size of the covariance estimate (N/m batches drawn without replacement). */
        covBatchSize: posInt,
      })
      .strict(),
    report: z
      .object({
        title: z.string().min(1),
        /** Directory (relative to the project root) the report files are written to. */
        dir: z.string().min(1),
      })
      .strict(),
  })
  .strict();

/** A complete configuration. */
export type Config = z.infer<typeof configSchema>;

const toy2dPaper: Config['toy2d'] = {
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
};

const oneHiddenPaper: Config['onehidden'] = {
  seeds: 3,
  samples: 1000,
  hidden: 100,
  epochs: 31,
  itersPerEpoch: 10,
  lr: 1e-3,
  decayEpochs: 10,
  covBatchSize: 10,
};

const quick: Config = {
  seed: 20190609,
  backend: 'wasm',
  toy2d: { ...toy2dPaper, seeds: 1 },
  onehidden: { ...oneHiddenPaper, seeds: 1 },
  report: { title: 'sgd-noise: quick profile', dir: 'reports/quick' },
};

const paper: Config = {
  ...quick,
  toy2d: toy2dPaper,
  onehidden: oneHiddenPaper,
  report: { title: 'sgd-noise: paper profile', dir: 'reports/paper' },
};

export default defineProject({
  name: 'sgd-noise',
  root: path.dirname(fileURLToPath(import.meta.url)),
  configSchema,
  profiles: { quick, paper },
  defaultProfile: 'quick',
  stages,
});
