/** The Fashion-MNIST experiment's config section: its schema, its type, the paper's settings, and a typed reader. */
import { z } from 'zod';
import type { ConfigReader } from '../../pipeline/stage.ts';
import { sectionReader } from '../../pipeline/config-paths.ts';
import { noiseKindName, posInt, sharpnessSchema } from '../config-schema.ts';
import { NOISE_KINDS } from '../noise/registry.ts';
import { kindDefaults, kindSettingsShape } from '../noise/settings.ts';

/** A kind of the batch-size study: sgd or an M-SGD kind (a kind whose noise the batch size m sets). */
const batchKindName = noiseKindName.superRefine((kind, ctx) => {
  if (kind !== 'sgd' && NOISE_KINDS[kind].exampleWeights === undefined)
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `fashion.batchSizes.kinds: ${kind} is not sgd or an M-SGD kind (its noise does not depend on m)` });
});

/** The schema of `fashion`. */
export const fashionSchema = z
  .object({
    seeds: posInt,
    data: z
      .object({
        /** Directory with the four IDX .gz files; null = the Debian package, then the download cache. */
        path: z.string().min(1).nullable(),
        /** Download (and verify) the files when no local copy exists and a network is reachable. */
        download: z.boolean(),
        /** The first `train` training images are used; the last `randomLabels` of them get random labels. */
        train: posInt,
        randomLabels: z.number().int().nonnegative(),
        /** Index of the first random-label image (absent: train − randomLabels, the last ones; the released mnist2np.py: 1000 of 6000). */
        randomLabelsFrom: z.number().int().nonnegative().optional(),
        test: posInt,
      })
      .strict(),
    pretrain: z
      .object({
        lr: z.number().positive(),
        /** The cap on iterations (GD stops earlier at the first fit unless `iterations` is set). */
        maxIterations: posInt,
        targetAccuracy: z.number().gt(0).lte(1),
        /** A fixed length with no early stop (≤ maxIterations; the released gd.py: 20,000); absent: stop at the first fit. */
        iterations: posInt.optional(),
        checkEvery: posInt,
      })
      .strict(),
    /**
     * Beyond the paper: λ_max of the full-batch training-loss Hessian (Lanczos top-1, warm-started from the previous
     * eigenvector, relative residual ≤ tol within maxIter HVPs) at iteration 0, every `pretrainEvery` iterations of
     * the pre-training and every `dynamicsEvery` of each dynamics, and at their ends (stages/dynamics/sharpness-track.ts).
     */
    sharpnessTrack: z
      .object({ enabled: z.boolean(), pretrainEvery: posInt, dynamicsEvery: posInt, tol: z.number().positive(), maxIter: posInt.min(2) })
      .strict(),
    dynamics: z
      .object({
        kinds: z.array(noiseKindName).nonempty(),
        iterations: z.number().int().nonnegative(),
        lr: z.number().positive(),
        /** SGD's batch size m; Σ is estimated at this batch size. */
        batchSize: posInt,
        logEvery: posInt,
        /** Iterations whose weights are kept for curvature probing. */
        checkpoints: z.array(z.number().int().nonnegative()),
        /** Lanczos settings for the Hessian top-k during the dynamics. */
        hessian: z
          .object({
            tol: z.number().positive(),
            tolPairs: posInt,
            /** Relative-residual tolerance of the pairs after the leading tolPairs (every pair a kind uses). */
            tolRest: z.number().positive(),
            maxIter: posInt,
            /** Start of each refresh: cold (random vector), warm (previous vectors), warm-random (plus a random block). */
            start: z.enum(['cold', 'warm', 'warm-random']),
          })
          .strict(),
        /** One settings block per noise kind, `fashion.dynamics.<kind>`: each kind's module declares its schema. */
        ...kindSettingsShape(NOISE_KINDS),
      })
      .strict(),
    probe: z
      .object({
        topK: posInt.min(2),
        lanczos: z.object({ tol: z.number().positive(), tolPairs: posInt, tolRest: z.number().positive(), maxIter: posInt }).strict(),
        hutchinsonSamples: posInt,
        exactTraceHSigma: z.boolean(),
        sharpness: sharpnessSchema,
      })
      .strict(),
    /**
     * Beyond the paper: the tail index α of SGD's gradient noise at the sharp minimum (stages/fashion/tail-index.ts),
     * from `samples` minibatch gradients, along the top Hessian eigenvector and `directions` random directions.
     */
    tailIndex: z.object({ enabled: z.boolean(), samples: posInt.min(16), directions: z.number().int().nonnegative(), resamples: posInt }).strict(),
    /**
     * Beyond the paper: the Hessian's spectral density by SLQ (`probes` × `steps` HVPs) at the sharp minimum and at
     * the end of each dynamics, with the top `topK` eigenvalues marked (stages/fashion/spectrum.ts).
     */
    spectrum: z.object({ enabled: z.boolean(), probes: posInt, steps: posInt.min(2), topK: posInt, grid: posInt.min(2) }).strict(),
    /**
     * Beyond the paper: SGD alone from the sharp minimum at each batch size m of `sizes` (stages/fashion/batch-size.ts),
     * with the same iterations, learning rate, logging and seeds as `dynamics`; m = dynamics.batchSize is the sgd
     * dynamics itself (when sgd is among the kinds). SGD's Tr(HΣ_m) at the sharp minimum follows from the indicator's
     * estimate at dynamics.batchSize (stages/numerics/batch-scaling.ts), and the short-horizon loss rise at each m is
     * measured as `theory` measures it. Each m must be below data.train.
     */
    batchSizes: z
      .object({
        enabled: z.boolean(),
        sizes: z.array(posInt).nonempty(),
        /**
         * The kinds run at every m (absent: ['sgd']): sgd, always, and M-SGD kinds, whose noise m sets too
         * (stages/noise/example-weights.ts). An M-SGD kind at m = dynamics.batchSize is its own dynamics when among the kinds.
         */
        kinds: z
          .array(batchKindName)
          .nonempty()
          .refine((ks) => ks.includes('sgd'), { message: "must include 'sgd' (the study is SGD's; M-SGD kinds run beside it)" })
          .optional(),
      })
      .strict(),
    /** Theory against experiment at the sharp minimum: short runs from it with each kind's noise fixed there. */
    theory: z
      .object({
        /** Runs per noisy kind (gd runs once: it is deterministic). */
        runs: posInt.min(2),
        /** Horizon n_max in iterations. */
        steps: posInt,
        /** The full-batch training loss is logged every `every` iterations. */
        every: posInt,
        /** Hessian eigenpairs of the quadratic model's basis (default fashion.probe.topK). */
        k: posInt.optional(),
      })
      .strict(),
  })
  .strict()
  .superRefine((f, ctx) => {
    // Σ is estimated from ⌊train/batchSize⌋ minibatch gradients, so its rank is at most that minus one.
    const rank = Math.floor(f.data.train / f.dynamics.batchSize) - 1;
    if (f.dynamics.gld_leading.k > rank) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['dynamics', 'gld_leading', 'k'],
        message: `must be ≤ ${rank}: Σ from ${f.data.train}/${f.dynamics.batchSize} minibatches has rank ≤ ${rank}`,
      });
    }
    const last = f.dynamics.iterations;
    const late = f.dynamics.checkpoints.filter((c) => c > last);
    if (late.length > 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['dynamics', 'checkpoints'],
        message: `checkpoint${late.length > 1 ? 's' : ''} ${late.join(', ')} past the last iteration (fashion.dynamics.iterations = ${last})`,
      });
    }
    const sizes = f.batchSizes.sizes;
    const big = f.batchSizes.enabled ? sizes.filter((m) => m >= f.data.train) : [];
    if (big.length > 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['batchSizes', 'sizes'],
        message: `${big.join(', ')} not below data.train (${f.data.train}): a batch of every example has no noise (set fashion.batchSizes.sizes, or fashion.batchSizes.enabled=false)`,
      });
    }
    const fixedLength = f.pretrain.iterations;
    if (fixedLength !== undefined && fixedLength > f.pretrain.maxIterations) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['pretrain', 'iterations'],
        message: `${fixedLength} exceeds pretrain.maxIterations (${f.pretrain.maxIterations}), the cap on pre-training: raise both`,
      });
    }
    if (new Set(sizes).size !== sizes.length) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['batchSizes', 'sizes'], message: `repeats a batch size (${sizes.join(', ')})` });
    }
    if (f.data.randomLabels > f.data.train) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['data', 'randomLabels'], message: `must be ≤ data.train (${f.data.train})` });
    }
    const from = f.data.randomLabelsFrom;
    if (from !== undefined && from + f.data.randomLabels > f.data.train) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['data', 'randomLabelsFrom'],
        message: `must be ≤ data.train − data.randomLabels (${f.data.train - f.data.randomLabels})`,
      });
    }
  });

/** The `fashion` section. */
export type FashionConfig = z.infer<typeof fashionSchema>;

/** The paper's settings. */
export const fashionPaper: FashionConfig = {
  seeds: 3,
  data: { path: null, download: true, train: 1200, randomLabels: 200, test: 10_000 },
  pretrain: { lr: 0.1, maxIterations: 10_000, targetAccuracy: 1, checkEvery: 10 },
  sharpnessTrack: { enabled: true, pretrainEvery: 100, dynamicsEvery: 500, tol: 1e-3, maxIter: 100 },
  dynamics: {
    kinds: [
      'gd',
      'sgd',
      'gld_const',
      'gld_dynamic',
      'gld_diag',
      'gld_leading',
      'gld_hessian',
      'gld_hessian_top1',
      'gld_full',
      'msgd_gaussian',
      'msgd_bernoulli',
    ],
    iterations: 20_000, // the released code's default
    lr: 0.07,
    batchSize: 20,
    logEvery: 100,
    checkpoints: [2000, 5000, 10_000, 20_000],
    hessian: { tol: 1e-3, tolPairs: 5, tolRest: 1e-2, maxIter: 200, start: 'cold' },
    /** Each noise kind's settings block: its module's `defaults`. */
    ...kindDefaults(NOISE_KINDS),
  },
  probe: {
    topK: 21,
    lanczos: { tol: 1e-3, tolPairs: 5, tolRest: 1e-2, maxIter: 200 },
    hutchinsonSamples: 50,
    exactTraceHSigma: true,
    sharpness: { delta: 0.01, samples: 100 },
  },
  theory: { runs: 16, steps: 20, every: 1 },
  tailIndex: { enabled: true, samples: 2000, directions: 5, resamples: 1000 },
  spectrum: { enabled: true, probes: 10, steps: 80, topK: 5, grid: 400 },
  batchSizes: { enabled: true, sizes: [5, 10, 20, 50, 100], kinds: ['sgd', 'msgd_gaussian', 'msgd_bernoulli'] },
};

/** `cfg` below `fashion`, typed: `fashionConfig(cfg)('dynamics.batchSize')` is a number. */
export const fashionConfig = (cfg: ConfigReader) => sectionReader<FashionConfig>(cfg, 'fashion');
