/** The one-hidden-layer network's config section: its schema, its type, the paper's settings, and a typed reader. */
import { z } from 'zod';
import type { ConfigReader } from '../../pipeline/stage.ts';
import { sectionReader } from '../../pipeline/config-paths.ts';
import { posInt } from '../config-schema.ts';

/** The schema of `onehidden`. */
export const oneHiddenSchema = z
  .object({
    /** Off: its stages do not run and the report leaves its section out (the batch-size profiles). */
    enabled: z.boolean(),
    seeds: posInt,
    samples: posInt,
    hidden: posInt.refine((h) => h % 2 === 0, 'hidden units must be even (half +1, half −1 output weights)'),
    epochs: posInt,
    itersPerEpoch: posInt,
    lr: z.number().positive(),
    /** The learning rate decays linearly over this many final epochs. */
    decayEpochs: posInt,
    /** Minibatch size of the covariance estimate. */
    covBatchSize: posInt,
    /** Minibatches per covariance estimate, each drawn without replacement (normalised by 1/(batches − 1)). */
    covBatches: posInt.min(2),
  })
  .strict();

/** The `onehidden` section. */
export type OneHiddenConfig = z.infer<typeof oneHiddenSchema>;

/** The paper's settings. */
export const oneHiddenPaper: OneHiddenConfig = {
  enabled: true,
  seeds: 3,
  samples: 1000,
  hidden: 100,
  epochs: 31,
  itersPerEpoch: 10,
  lr: 1e-3,
  decayEpochs: 10,
  covBatchSize: 10,
  covBatches: 100,
};

/** `cfg` below `onehidden`, typed: `oneHiddenConfig(cfg)('hidden')` is a number. */
export const oneHiddenConfig = (cfg: ConfigReader) => sectionReader<OneHiddenConfig>(cfg, 'onehidden');
