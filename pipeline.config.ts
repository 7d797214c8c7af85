/**
 * The experiment configuration of sgd-noise: one zod schema (strict: unknown keys are errors) and named profiles.
 * `quick` is the default of `npm start`; `paper` follows the paper's protocols (and the released code where the paper
 * is silent); `paper-code` reproduces the released code's choices (stages/deviations.ts). Override any key from the CLI:
 * `sgd-noise run report.title="my run"`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineProject, type Project } from './pipeline/project.ts';
import { sbatchOptionProblem } from './pipeline/executors/slurm/safe-values.ts';
import { measureCostsOf } from './stages/cost/measure.ts';
import { posInt } from './stages/config-schema.ts';
import { experimentShape, type Experiment } from './stages/experiment.ts';
import { compareReportOf } from './stages/report/compare-report.ts';
import { EXPERIMENTS } from './stages/experiments.ts';
import { fashionPaper } from './stages/fashion/config.ts';
import { fashionSweepSummary } from './stages/fashion/sweep.ts';
import { headlinesOf } from './stages/headlines.ts';
import { oneHiddenPaper } from './stages/onehidden/config.ts';
import { stagesOf } from './stages/registry.ts';
import { resolveAutoBackend } from './stages/tf/auto.ts';
import { toy2dPaper } from './stages/toy2d/config.ts';
import { cifarQuick, svhnPaper, vggDynamics } from './stages/vgg/config.ts';

/** The configuration schema over `experiments`: seed and backend, each experiment's section, report and slurm. */
export function configSchemaOf<const E extends readonly Experiment[]>(experiments: E) {
  return z
    .object({
      /** Root seed; every stage that reads `seed` derives its own from it and its instance id. */
      seed: z.number().int(),
      /**
       * tfjs backend for the numerical stages. 'auto' (the default) is 'webgpu' on a hardware GPU adapter, else 'native'
       * where `npm install` built the C++ kernels (native/), else 'wasm' (stages/tf/auto.ts); it is resolved here, so
       * cache keys hold the backend that really ran.
       */
      backend: z
        .enum(['auto', 'native', 'wasm', 'cpu', 'webgpu', 'tensorflow', 'tensorflow-gpu'])
        .transform((b): 'auto' | 'native' | 'wasm' | 'cpu' | 'webgpu' | 'tensorflow' | 'tensorflow-gpu' => (b === 'auto' ? resolveAutoBackend() : b)),
      /** Each experiment's section (stages/<experiment>/config.ts), in the order of stages/experiments.ts. */
      ...experimentShape(experiments),
      report: z
        .object({
          title: z.string().min(1),
          /** Directory (relative to the project root) the report files are written to. */
          dir: z.string().min(1),
        })
        .strict(),
      /**
       * Defaults for `run --executor slurm` (read by the executor, by no stage: no cache key depends on them). A stage's
       * own `resources` and the command line's `--slurm-option` take precedence. Example: `slurm.memMB=4000`.
       */
      slurm: z
        .object({
          /** `--mem` of every job whose stage declares none, in MB. */
          memMB: posInt.optional(),
          /** `--time` of every job whose stage declares none, in minutes. */
          timeMin: posInt.optional(),
          /**
           * `#SBATCH` lines for every job, before the command line's `--slurm-option`s, e.g. ["--partition=cpu"]: one
           * sbatch option each, its value attached, no control characters (pipeline/executors/slurm/safe-values.ts).
           */
          options: z
            .array(
              z.string().superRefine((o, ctx) => {
                const problem = sbatchOptionProblem(o);
                if (problem !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(o)} ${problem}` });
              }),
            )
            .optional(),
          /** How a job whose stage needs GPUs asks for them: `--gpus=N` (default), `--gres=gpu:N` or `--gpus-per-task=N`. */
          gpuRequest: z.enum(['gpus', 'gres', 'gpus-per-task']).optional(),
          /** A GPU type for those requests (`--gpus=h100:1`, `--gres=gpu:h100:1`). */
          gpuType: z
            .string()
            .regex(/^[A-Za-z0-9_.-]+$/)
            .optional(),
        })
        .strict()
        .optional(),
    })
    .strict();
}

/** The configuration schema. */
export const configSchema = configSchemaOf(EXPERIMENTS);

/** A complete configuration. */
export type Config = z.infer<typeof configSchema>;

// What `paper` takes from the released code where the paper is silent (stages/deviations.ts lists every row):
// SVHN and CIFAR-10 run 200,001 iterations, sgd 100,001 (sgd.py); CIFAR-10 trains on all 50,000 images
// (cifar2np.py); gld_hessian_top1 finds u₁ at every step by 30 power steps (gld_1Hess.py); Fashion-MNIST's GD
// pre-training runs gd.py's 20,000 iterations with no early stop (measured: its start point's test accuracy 67.20%
// against the paper's 66.22%, the first fit's 68.63%; stages/deviations.ts, row fashion-pretrain).
const vggDynamicsPaper: Config['svhn']['dynamics'] = { ...vggDynamics, iterations: 200_001, kindIterations: { sgd: 100_001 } };
const svhnFollowingCode: Config['svhn'] = { ...svhnPaper, dynamics: vggDynamicsPaper };
const cifarPaper: Config['cifar10'] = {
  ...svhnFollowingCode,
  data: { path: null, download: true, trainSplit: 'train', trainCount: 50_000, testSplit: 'test', testCount: 10_000 },
};
const fashionFollowingCode: Config['fashion'] = {
  ...fashionPaper,
  pretrain: { ...fashionPaper.pretrain, maxIterations: 20_000, iterations: 20_000 },
  dynamics: { ...fashionPaper.dynamics, gld_hessian_top1: { refresh: 1, eigvec: { method: 'power', iterations: 30 } } },
};

const quick: Config = {
  seed: 20190609,
  backend: 'auto',
  // the escape-law study with 100 runs per point and a 20,000-iteration horizon (paper: 400, 50,000)
  toy2d: { ...toy2dPaper, seeds: 1, escapeLaws: { ...toy2dPaper.escapeLaws, repeats: 100, horizon: 40_000 } },
  onehidden: { ...oneHiddenPaper, seeds: 1 },
  fashion: {
    ...fashionPaper,
    seeds: 1,
    data: { ...fashionPaper.data, train: 300, randomLabels: 50, test: 2000 },
    pretrain: { ...fashionPaper.pretrain, maxIterations: 3000, checkEvery: 50 },
    sharpnessTrack: { ...fashionPaper.sharpnessTrack, pretrainEvery: 50, dynamicsEvery: 200, maxIter: 60 },
    dynamics: {
      ...fashionPaper.dynamics,
      iterations: 400,
      logEvery: 25,
      checkpoints: [200, 400],
      hessian: { tol: 1e-3, tolPairs: 5, tolRest: 1e-2, maxIter: 60, start: 'cold' },
      gld_leading: { refresh: 10, k: 10, rescaleToTrace: false },
      gld_hessian: { refresh: 10, k: 10 },
    },
    probe: {
      topK: 11,
      lanczos: { tol: 1e-3, tolPairs: 5, tolRest: 1e-2, maxIter: 80 },
      hutchinsonSamples: 20,
      exactTraceHSigma: true,
      sharpness: { delta: 0.01, samples: 20 },
    },
    theory: { runs: 16, steps: 5, every: 1 },
    spectrum: { enabled: true, probes: 3, steps: 40, topK: 5, grid: 400 },
    // SGD alone here: M-SGD at every m would add about 45 s (Bernoulli) to 5 min (Gaussian) of CPU, over quick's budget;
    // paper runs both (the M-SGD kinds still enter the study's `kinds` table at m₀ = dynamics.batchSize on paper)
    batchSizes: { ...fashionPaper.batchSizes, kinds: ['sgd'] },
  },
  svhn: { ...svhnPaper, enabled: false, seeds: 1 },
  cifar10: { ...cifarQuick, enabled: false, seeds: 1 },
  report: { title: 'sgd-noise: quick profile', dir: 'reports/quick' },
};

const paper: Config = {
  ...quick,
  toy2d: toy2dPaper,
  onehidden: oneHiddenPaper,
  fashion: fashionFollowingCode,
  svhn: svhnFollowingCode,
  cifar10: cifarPaper,
  report: { title: 'sgd-noise: paper profile', dir: 'reports/paper' },
};

// `paper-code`: `paper` with every choice of the released code, its toy covariance bug included (the rows of
// stages/deviations.ts with a key), so the counts and curves of both can be compared.
const vggSharpnessCode = { delta: 1e-3, samples: 100, mode: 'absolute' } as const;
const paperCode: Config = {
  ...paper,
  toy2d: { ...paper.toy2d, covariance: 'released-cumulative' },
  fashion: {
    ...paper.fashion,
    data: { ...paper.fashion.data, train: 6000, randomLabelsFrom: 1000 },
    dynamics: {
      ...paper.fashion.dynamics,
      checkpoints: Array.from({ length: 16 }, (_, i) => i * 1000),
      gld_leading: { ...paper.fashion.dynamics.gld_leading, noiseSteps: 'refresh' },
      gld_dynamic: { refresh: 1 },
      gld_diag: { refresh: 1 },
    },
    probe: { ...paper.fashion.probe, sharpness: { delta: 0.01, samples: 1000, mode: 'absolute' } },
  },
  svhn: { ...paper.svhn, sharpness: vggSharpnessCode },
  cifar10: { ...paper.cifar10, sharpness: vggSharpnessCode },
  report: { title: 'sgd-noise: paper-code profile (the released code’s choices)', dir: 'reports/paper-code' },
};

// `batch-size` / `batch-size-paper`: SGD alone from the sharp minimum at m = 5, 10, 20, 50, 100, as a declared sweep of
// fashion.dynamics.batchSize over the quick / paper settings, Fashion-MNIST only (the other experiments and the
// Fashion beyond-the-paper stages off; the main profiles run the same study as fashion.batchSizes, in one report).
// Each point measures Tr(HΣ_m) with the paper's estimator at its own m, and SGD's short-horizon rise in its theory
// stage; `sweep.summary` tabulates both and where SGD ended
// (`sgd-noise export sweep.summary --profile batch-size --output rows --format csv`).
const BATCH_SIZES = [5, 10, 20, 50, 100];
const batchSize = (base: Config, title: string, dir: string): Config => ({
  ...base,
  toy2d: { ...base.toy2d, enabled: false },
  onehidden: { ...base.onehidden, enabled: false },
  fashion: {
    ...base.fashion,
    // gld_leading does not run; its k is set within Σ's rank at m = 100 so that every point validates
    dynamics: { ...base.fashion.dynamics, kinds: ['sgd'], gld_leading: { ...base.fashion.dynamics.gld_leading, k: 2 } },
    tailIndex: { ...base.fashion.tailIndex, enabled: false },
    spectrum: { ...base.fashion.spectrum, enabled: false },
    batchSizes: { ...base.fashion.batchSizes, enabled: false },
  },
  svhn: { ...base.svhn, enabled: false },
  cifar10: { ...base.cifar10, enabled: false },
  report: { title, dir },
});

/** The profiles, each with the default section of any experiment of `experiments` it does not name. */
function profilesOf(experiments: readonly Experiment[], profiles: Readonly<Record<string, Config>>): Record<string, Record<string, unknown>> {
  const missing = (p: Config) => experiments.filter((e) => !Object.hasOwn(p, e.name)).map((e) => [e.name, e.defaults]);
  return Object.fromEntries(Object.entries(profiles).map(([name, p]) => [name, { ...p, ...Object.fromEntries(missing(p)) }]));
}

/** sgd-noise over `experiments` (default: stages/experiments.ts): its schema, profiles, stages, costs and report loop over them. */
export function sgdNoiseProject(experiments: readonly Experiment[] = EXPERIMENTS): Project {
  return defineProject({
    name: 'sgd-noise',
    reportStage: 'report',
    root: path.dirname(fileURLToPath(import.meta.url)),
    configSchema: configSchemaOf(experiments),
    profiles: profilesOf(experiments, {
      quick,
      paper,
      'paper-code': paperCode,
      'batch-size': batchSize(quick, 'sgd-noise: SGD batch sizes (quick settings)', 'reports/batch-size'),
      'batch-size-paper': batchSize(paper, 'sgd-noise: SGD batch sizes (paper settings)', 'reports/batch-size-paper'),
    }),
    sweeps: {
      'batch-size': { 'fashion.dynamics.batchSize': BATCH_SIZES },
      'batch-size-paper': { 'fashion.dynamics.batchSize': BATCH_SIZES },
    },
    sweepSummary: fashionSweepSummary,
    headlines: headlinesOf(experiments),
    defaultProfile: 'quick',
    stages: stagesOf(experiments),
    measureCosts: measureCostsOf(experiments),
    compareReport: compareReportOf(experiments),
  });
}

export default sgdNoiseProject();
