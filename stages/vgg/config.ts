/** The VGG11 experiments' config sections (SVHN and CIFAR-10 share one schema): the schema, its type, their default settings, and a typed reader. */
import { z } from 'zod';
import type { ConfigReader } from '../../pipeline/stage.ts';
import { sectionReader } from '../../pipeline/config-paths.ts';
import { posInt, sharpnessSchema } from '../config-schema.ts';

/** Schema of one VGG11 experiment (SVHN or CIFAR-10). */
export const imageSchema = () =>
  z
    .object({
      /** Off in `quick`: VGG11 is far too slow for the CPU backends. */
      enabled: z.boolean(),
      /** Run even on a CPU backend, where the dynamics otherwise refuse with an estimate of the time. */
      force: z.boolean(),
      seeds: posInt,
      /** Channel-width multiplier of VGG11 (1 = the paper's network). */
      width: z.number().positive(),
      data: z
        .object({
          path: z.string().min(1).nullable(),
          download: z.boolean(),
          trainSplit: z.enum(['train', 'test']),
          trainCount: posInt,
          testSplit: z.enum(['train', 'test']),
          testCount: posInt,
        })
        .strict(),
      dynamics: z
        .object({
          kinds: z.array(z.enum(['gd', 'sgd', 'gld_const', 'gld_dynamic', 'gld_diag'])).nonempty(),
          iterations: z.number().int().nonnegative(),
          /** Per-kind iteration counts overriding `iterations` (absent: every kind runs `iterations`). */
          kindIterations: z.object({ gd: posInt, sgd: posInt, gld_const: posInt, gld_dynamic: posInt, gld_diag: posInt }).partial().strict().optional(),
          lr: z.number().positive(),
          batchSize: posInt,
          /** diag Σ is re-estimated every `refresh` iterations from `covBatches` random minibatches. */
          refresh: posInt,
          covBatches: posInt.min(2),
          sigma: z.number().positive(),
          logEvery: posInt,
          /**
           * Examples per chunk of the full-batch gradient, evaluation and sharpness (memory bound). On webgpu a number
           * larger than the adapter's buffer limits allow is cut to what fits; 'auto' sizes it from the limits (the
           * adapter's on webgpu, 256 MiB per buffer on the CPU backends): stages/models/chunking.ts.
           */
          chunkSize: z.union([posInt, z.literal('auto')]),
        })
        .strict(),
      sharpness: sharpnessSchema,
    })
    .strict();

/** The section of one VGG11 experiment. */
export type ImageConfig = z.infer<ReturnType<typeof imageSchema>>;

/** The paper's VGG dynamics. */
export const vggDynamics: ImageConfig['dynamics'] = {
  kinds: ['gd', 'sgd', 'gld_const', 'gld_dynamic', 'gld_diag'],
  iterations: 200_000, // the released code's default
  lr: 0.05,
  batchSize: 100,
  refresh: 10,
  covBatches: 100,
  sigma: 1e-3,
  logEvery: 100,
  chunkSize: 500,
};

// SVHN as the released code prepares it: 25,000 training images taken from the official test split, and the first
// 70,000 images of the official training split as the test set.
export const svhnPaper: ImageConfig = {
  enabled: true,
  force: false,
  seeds: 3,
  width: 1,
  data: { path: null, download: true, trainSplit: 'test', trainCount: 25_000, testSplit: 'train', testCount: 70_000 },
  dynamics: vggDynamics,
  sharpness: { delta: 1e-3, samples: 20 },
};

// CIFAR-10 in `quick` (disabled there): 25,000 official training images and the 10,000 test images, as assumed
// before the released CIFAR10/ scripts were read; `paper` uses all 50,000 as they do.
export const cifarQuick: ImageConfig = {
  ...svhnPaper,
  data: { path: null, download: true, trainSplit: 'train', trainCount: 25_000, testSplit: 'test', testCount: 10_000 },
};

/** `cfg` below `<ds>`, typed: `imageConfig(cfg, 'svhn')('data.trainCount')` is a number. */
export const imageConfig = (cfg: ConfigReader, ds: string) => sectionReader<ImageConfig>(cfg, ds);
