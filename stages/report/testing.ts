/** Test helpers of the report: synthetic summaries of every experiment and the facts of a run, as build.ts takes them. */
import type { ReportFacts } from './build.ts';
import type { FashionSummary } from './figures/fashion.ts';
import type { ImageSummary } from './figures/images.ts';
import type { OneHiddenSummary } from './figures/onehidden.ts';
import type { FashionTheory } from './figures/theory.ts';
import type { Toy2dSummary } from './figures/toy2d.ts';
import type { ReportInputs } from './inputs.ts';

/** The Fashion-MNIST and toy kinds of the synthetic summaries. */
export const SYNTHETIC_KINDS = ['gd', 'sgd', 'gld_const', 'gld_hessian_top1'];
/** The kinds of the synthetic SVHN and CIFAR-10 summaries. */
export const SYNTHETIC_IMAGE_KINDS = ['gd', 'sgd', 'gld_diag'];
/** A synthetic summary holding only what the builder reads, typed as the stage's outputs. */
const art = <T>(x: Record<string, unknown>) => x as unknown as T;

/**
 * Synthetic summaries of every experiment (SVHN and CIFAR-10 when `withImages`), holding only what the report builder
 * reads; `shift` is added to every test accuracy, so that two calls give two runs that differ.
 */
export function syntheticInputs(withImages: boolean, shift = 0): ReportInputs {
  const axis = [-2, -1, 0, 1, 2];
  const toy2d = art<Toy2dSummary>({
    table: SYNTHETIC_KINDS.map((kind, i) => ({
      kind,
      repeats: 10,
      escapes: [i],
      escapesMean: i,
      escapesMin: i,
      escapesMax: i,
      traceHSigma: kind === 'gd' ? null : 1 + i / 10,
      traceHSigmaClosedForm: null,
    })),
    trajectories: SYNTHETIC_KINDS.flatMap((kind) => [0, 1, 2].map((point) => ({ kind, repeat: 0, point, w1: 1 - point / 2, w2: 1 - point / 2 }))),
    lossGrid: { w1: axis, w2: axis, loss: axis.flatMap((y) => axis.map((x) => x * x + y * y)) },
  });
  const perSeed = [0, 1].flatMap((seed) =>
    [0, 1, 2].map((epoch) => ({ seed, epoch, loss: 1, accuracy: 0.5, traceHSigma: 100 + seed, traceHSigmaIso: 1, ratio: 100 + seed })),
  );
  const onehidden = art<OneHiddenSummary>({
    perSeed,
    perEpoch: [0, 1, 2].map((epoch) => ({ epoch, ratio: 100.5 })),
    table: [{ epoch: 0, loss: 1, accuracy: 0.5, traceHSigma: 100, traceHSigmaIso: 1, ratio: 100, ratioMin: 100, ratioMax: 101 }],
  });
  const series = SYNTHETIC_KINDS.flatMap((kind, k) =>
    [0, 1].flatMap((seed) =>
      [0, 10, 20].map((iteration) => ({
        kind,
        seed,
        iteration,
        trainLoss: 0.01 * (1 + k * iteration),
        trainAccuracy: 1,
        cleanAccuracy: 1,
        randomAccuracy: 1 - k * 0.01 * iteration,
        testLoss: 1,
        testAccuracy: 0.6 + 0.001 * k * iteration + 0.01 * seed + shift,
        noiseTrace: 0,
      })),
    ),
  );
  const probes = SYNTHETIC_KINDS.flatMap((kind, k) =>
    [0, 1].flatMap((seed) =>
      [0, 20].map((iteration) => ({
        kind,
        seed,
        iteration,
        hessianTop: [20, 10, 5],
        traceH: 50,
        traceSigma: 1,
        traceHSigma: 8,
        traceHSigmaIsotropic: 0.1,
        ratio: 80,
        traceHSigmaOwn: k,
        sharpness: 0.01,
        sharpnessStderr: 0.001,
      })),
    ),
  );
  const fashion = art<FashionSummary>({
    start: [0, 1].map((seed) => ({
      seed,
      iterations: 1500,
      reached: true,
      trainLoss: 0.01,
      trainAccuracy: 1,
      cleanAccuracy: 1,
      randomAccuracy: 1,
      testLoss: 1.2,
      testAccuracy: 0.65,
    })),
    table: SYNTHETIC_KINDS.map((kind, k) => ({
      kind,
      traceHSigmaAtStart: k,
      finalTrainLoss: 0.01 * (1 + 20 * k),
      lossRise: 1 + 20 * k,
      randomLabelAccuracy: 1 - 0.2 * k,
      peakLossRise: 1 + 30 * k,
      lowestRandomFit: 1 - 0.25 * k,
      testAccuracy: 0.6,
      sharpness: 0.01,
    })),
    series,
    probes,
  });
  const theory = [0, 1].map(() =>
    art<FashionTheory>({
      settings: { runs: 4, steps: 2, every: 1, k: 3, lr: 0.07 },
      rows: SYNTHETIC_KINDS.flatMap((kind, k) =>
        [0, 1, 2].map((step) => ({
          kind,
          step,
          t: step * 0.07,
          measuredMean: k * step * 0.01,
          measuredStderr: 0.001,
          gdDrift: 0,
          noiseInduced: k * step * 0.01,
          linear: k * step * 0.01,
          quadratic: k * step * 0.005,
          quadraticDiscrete: k * step * 0.006,
          traceHSigma: k,
        })),
      ),
    }),
  );
  const image = (acc: number) =>
    art<ImageSummary>({
      table: SYNTHETIC_IMAGE_KINDS.map((kind, k) => ({
        kind,
        trainAccuracy: 1,
        testAccuracy: acc + 0.01 * k,
        testAccuracyMin: acc,
        testAccuracyMax: acc + 0.02,
        sharpness: 0.001,
      })),
      series: SYNTHETIC_IMAGE_KINDS.flatMap((kind, k) =>
        [0, 100].map((iteration) => ({ kind, seed: 0, iteration, trainLoss: 1, testAccuracy: acc + 0.01 * k })),
      ),
    });
  return { toy2d, onehidden, fashion, theory, ...(withImages ? { svhn: image(0.85 + shift), cifar10: image(0.7 + shift) } : {}) };
}

/** Run facts for the synthetic summaries. */
export const syntheticFacts: ReportFacts = {
  title: 'synthetic',
  run: { profile: 'quick', overrides: ['fashion.seeds=2'] },
  backend: 'wasm',
  config: { toy2d: { lr: 0.005, iterations: 500, variance: 0.01 }, onehidden: { hidden: 100, itersPerEpoch: 10, covBatches: 100, covBatchSize: 10 } },
  lineage: [
    {
      instance: 'toy2d.data[seed=0]',
      stage: 'toy2d.data',
      version: 1,
      key: 'ab'.repeat(32),
      seed: 7,
      durationMs: 1234,
      createdAt: 'x',
      meta: { backend: 'wasm' },
    },
  ],
  versions: { node: 'v20' },
  fashionTrainImages: 1200,
};
