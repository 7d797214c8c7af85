/**
 * The Fashion-MNIST stages' cost model for `run --dry-run`: counts of named operations per stage instance, read
 * from the same config the stages read and following their loops (`dynamics/pretrain.ts`, `dynamics/run.ts`,
 * `dynamics/probe.ts`, `fashion/theory.ts`). `measure.ts` times one unit of each on this machine.
 *
 * Notation: N = fashion.data.train, T = fashion.data.test, m = fashion.dynamics.batchSize, B = ⌊N/m⌋ (the minibatches
 * of Σ, hence its factor rows). Left out as small next to what is counted: the Lanczos orthogonalisation in float64
 * (≤ maxIter² · D flops), Σ's top-k eigenvectors (a B×B Gram matrix), noise sampling (k·D per step), checkpoint
 * copies, the child process's start and tfjs's initialisation (about 1–3 s per instance here).
 */
import type { ConfigReader } from '../../pipeline/stage.ts';
import type { NoiseConfig, NoiseKind, NoiseKindName, NoiseNeeds } from '../noise/kind.ts';
import { NOISE_KINDS, noiseKind, type NoiseKinds } from '../noise/registry.ts';
import { needsCovariance } from '../noise/stats.ts';
import { logCount } from '../numerics/log-count.ts';
import { optionalConfig } from '../optional-config.ts';
import { fashionConfig } from './config.ts';
import { readKindSettings } from './kind-settings.ts';

/** The operations, each timed once per unit by `measureFashionCosts`. */
export const FASHION_OPS = {
  /** One full-batch value + gradient on the N training images (`valueAndGrad`). */
  gradFull: 'fashion.grad.full',
  /**
   * One value + gradient of the example-weighted loss on all N images with weights of every sign (`weightedValueAndGrad`
   * by tfjs's autodiff: an M-SGD Gaussian step). An M-SGD Bernoulli step is a minibatch gradient of mean size m.
   */
  gradWeighted: 'fashion.grad.weighted',
  /**
   * One value + gradient on a random minibatch (gathered, as `minibatchValueAndGrad`), counted per batch size m as
   * `fashion.grad.minibatch[m=<m>]` (`minibatchGradOp`) and timed at that m: a sweep of fashion.dynamics.batchSize
   * measures once with the profile's config, so the op names the size it stands for.
   */
  gradMinibatch: 'fashion.grad.minibatch',
  /** Opening a Hessian operator on the N images: the recorded forward and first backward pass. */
  hvpOpen: 'fashion.hvp.open',
  /** One Hessian-vector product on the N images (a matvec of that operator). */
  hvp: 'fashion.hvp',
  /** Σ at batch size m: per-example gradients of all N and the B minibatch means (`minibatchGradientCovariance`). */
  sigma: 'fashion.sigma',
  /** `evaluateClassifier` (loss and prediction), per image. */
  evalImage: 'fashion.eval.image',
  /** `meanLoss` (loss only, as the sharpness estimate evaluates it), per image. */
  lossImage: 'fashion.loss.image',
} as const;

type Counts = Record<string, number>;

/**
 * Lanczos HVPs per call for the top-k with the configured tolerances (1e-3 for the leading five, 1e-2 for the rest),
 * capped at the HVP cap: a model, 7.27 + 2.033·k, the line through what cold-started refreshes took on the quick
 * profile here (k = 10: 27.6 HVPs per refresh on average, max 34; k = 1: 9.3). It gives 48 for k = 20 and 50 for the
 * probe's k = 21. Upper bound: the cap itself.
 */
export function lanczosHvps(k: number, cap: number): number {
  return Math.min(Math.max(cap, k + 1), 7.27 + 2.033 * k);
}

const add = (into: Counts, op: string, n: number) => {
  if (n > 0) into[op] = (into[op] ?? 0) + n;
};

/**
 * The gradient one step of a kind costs: a minibatch of m (sgd; M-SGD Bernoulli, whose kept subset has mean size m), the
 * weighted full batch (M-SGD Gaussian), or the full batch (every other kind).
 */
export function stepGradOp(kind: NoiseKind, needs: NoiseNeeds, m: number): string {
  if (needs.minibatchGradient || kind.exampleWeights?.subset) return minibatchGradOp(m);
  return needs.exampleWeights ? FASHION_OPS.gradWeighted : FASHION_OPS.gradFull;
}

/** Whether a kind's noise is inside its gradient (sgd, the M-SGD kinds): no statistics, no refreshes. */
const inGradient = (needs: NoiseNeeds) => needs.minibatchGradient || needs.exampleWeights;

/**
 * The extra work of a probe point or the theory stage for the M-SGD kinds among `kinds` whose Σ_kind has a ḡḡᵀ term
 * (Bernoulli): one full-batch gradient ḡ and one HVP ḡᵀHḡ, shared by them all.
 */
function meanGradientWork(kinds: readonly string[], cfg: ConfigReader, registry: NoiseKinds): { grads: number; hvps: number } {
  const fashion = fashionConfig(cfg);
  const N = fashion('data.train');
  const m = fashion('dynamics.batchSize');
  const any = kinds.some((k) => (noiseKind(k, registry).exampleWeights?.covariance(N, m).meanOuter ?? 0) !== 0);
  return { grads: any ? 1 : 0, hvps: any ? 1 : 0 };
}

/**
 * `fashion.pretrain`, an upper bound (GD stops once the training set is fit, usually well before the cap M =
 * pretrain.maxIterations; exact with a fixed length M = pretrain.iterations): M full-batch gradients, the accuracy
 * check (an evaluation of the N training images) at 0, every checkEvery steps and at M, then the final evaluation of
 * the training and test sets: logCount(M, checkEvery)·N + N + T images; with a fixed length also the test set at the
 * first fit (T) and one more λ_max measurement there. The λ_max track (`sharpnessTrackCost`) measures at
 * logCount(M, sharpnessTrack.pretrainEvery) points (an upper bound by one where the first fit falls on one of them).
 */
export function pretrainCost(cfg: ConfigReader): Counts {
  const fashion = fashionConfig(cfg);
  const fixed = optionalConfig<number>(cfg, 'fashion.pretrain.iterations');
  const M = fixed ?? fashion('pretrain.maxIterations');
  const N = fashion('data.train');
  const T = fashion('data.test');
  const atFit = fixed === undefined ? 0 : 1;
  const out: Counts = { [FASHION_OPS.gradFull]: M, [FASHION_OPS.evalImage]: logCount(M, fashion('pretrain.checkEvery')) * N + N + T + atFit * T };
  return addCounts(out, sharpnessTrackCost(cfg, M, 'pretrainEvery', atFit));
}

/**
 * HVPs of one λ_max measurement (Lanczos top-1 to sharpnessTrack.tol = 1e-3, warm-started from the last one's vector),
 * capped at maxIter: a model, 12, the mean over the 24 measurements of quick's pre-training here (range 6–24; the
 * cold first one 22). While GD's λ_max still moves fast, the previous vector is a poor start.
 */
export const sharpnessTrackHvps = (maxIter: number) => Math.min(maxIter, 12);

/**
 * The λ_max track of a run of I iterations measured every `every` (`fashion.sharpnessTrack`; none when disabled):
 * logCount(I, every) + extra measurements, each one Hessian operator opened and sharpnessTrackHvps(maxIter) HVPs.
 */
export function sharpnessTrackCost(cfg: ConfigReader, I: number, every: 'pretrainEvery' | 'dynamicsEvery', extra = 0): Counts {
  const t = optionalConfig<{ enabled: boolean; pretrainEvery: number; dynamicsEvery: number; maxIter: number }>(cfg, 'fashion.sharpnessTrack');
  if (!t?.enabled) return {};
  const points = logCount(I, t[every]) + extra;
  return { [FASHION_OPS.hvpOpen]: points, [FASHION_OPS.hvp]: points * sharpnessTrackHvps(t.maxIter) };
}

function addCounts(into: Counts, more: Counts): Counts {
  for (const [op, n] of Object.entries(more)) add(into, op, n);
  return into;
}

/**
 * `fashion.dynamics[kind]` over I = dynamics.iterations: I gradients (`stepGradOp`: sgd and M-SGD Bernoulli a minibatch
 * of m; M-SGD Gaussian the weighted full batch; every other kind the full batch); logCount(I, logEvery) evaluations of the N training and T test images; and, for kinds other than sgd, a
 * refresh every `refresh` iterations, ⌈I/refresh⌉ in all, each computing what the kind needs: Σ (gld_dynamic,
 * gld_diag, gld_leading, gld_hessian, gld_hessian_top1, gld_full) and the Hessian's top-k (gld_hessian, gld_hessian_top1: one
 * operator opened and lanczosHvps(k, hessian.maxIter) HVPs). gd and gld_const need nothing at a refresh. Plus the
 * λ_max track every sharpnessTrack.dynamicsEvery iterations (`sharpnessTrackCost`).
 */
export function dynamicsCost(kind: string, cfg: ConfigReader, kinds: NoiseKinds = NOISE_KINDS): Counts {
  const fashion = fashionConfig(cfg);
  const I = fashion('dynamics.iterations');
  const N = fashion('data.train');
  const T = fashion('data.test');
  const { noise, refresh, eigvec } = readKindSettings(cfg, kind, kinds);
  const needs = noiseKind(kind, kinds).needs(noise);
  const out: Counts = {};
  add(out, stepGradOp(noiseKind(kind, kinds), needs, fashion('dynamics.batchSize')), I);
  add(out, FASHION_OPS.evalImage, logCount(I, fashion('dynamics.logEvery')) * (N + T));
  const refreshes = inGradient(needs) ? 0 : Math.ceil(I / refresh);
  if (needsCovariance(needs)) add(out, FASHION_OPS.sigma, refreshes);
  if (needs.hessianTopK > 0) {
    // A kind with an `eigvec` setting (gld_hessian_top1) may find u₁ by a fixed number of power steps (the released code's way): that many HVPs.
    const perRefresh = eigvec?.method === 'power' ? eigvec.iterations : lanczosHvps(needs.hessianTopK, fashion('dynamics.hessian.maxIter'));
    add(out, FASHION_OPS.hvpOpen, refreshes);
    add(out, FASHION_OPS.hvp, refreshes * perRefresh);
  }
  return addCounts(out, sharpnessTrackCost(cfg, I, 'dynamicsEvery'));
}

/**
 * Factor rows of a kind's noise covariance when it is low-rank (one HVP each for Tr(HΣ_kind)), else 0; a kind that
 * uses Σ's whole factor (gld_full) has `sigmaRows` of them, B = ⌊N/m⌋ minibatches.
 */
export function lowRankRows(kind: string, noise: NoiseConfig, sigmaRows: number, kinds: NoiseKinds = NOISE_KINDS): number {
  const needs = noiseKind(kind, kinds).needs(noise);
  return needs.covarianceTopK + needs.hessianTopK + (needs.covarianceFactor ? sigmaRows : 0);
}

/**
 * One curvature probe (`probeCurvature`) with the given kinds: a Hessian operator opened; Lanczos top-K (K =
 * probe.topK) with lanczosHvps(K, probe.lanczos.maxIter) HVPs; probe.hutchinsonSamples HVPs for TrH and diag H; Σ
 * once; Tr(HΣ) exactly, B HVPs (one per factor row; none with exactTraceHSigma false); each low-rank kind's rows,
 * one HVP each; for M-SGD Bernoulli the mean gradient ḡ and ḡᵀHḡ (one gradient, one HVP); and expected sharpness,
 * (2·samples + 1) loss evaluations of the N images (antithetic pairs and the base).
 */
export function probePointCost(kinds: readonly string[], cfg: ConfigReader, registry: NoiseKinds = NOISE_KINDS): Counts {
  const fashion = fashionConfig(cfg);
  const N = fashion('data.train');
  const m = fashion('dynamics.batchSize');
  const K = fashion('probe.topK');
  const rows = kinds.reduce((a, kind) => a + lowRankRows(kind, readKindSettings(cfg, kind, registry).noise, Math.floor(N / m), registry), 0);
  const mean = meanGradientWork(kinds, cfg, registry);
  const hvps =
    lanczosHvps(K, fashion('probe.lanczos.maxIter')) +
    fashion('probe.hutchinsonSamples') +
    (fashion('probe.exactTraceHSigma') ? Math.floor(N / m) : 0) +
    rows +
    mean.hvps;
  const samples = fashion('probe.sharpness.samples');
  // Signed (default): antithetic pairs, 2·samples + 1 loss evaluations of the N images. Absolute (the released
  // flatness.py): samples + 1 loss evaluations, and the test set evaluated as often for the accuracy change.
  const absolute = optionalConfig<string>(cfg, 'fashion.probe.sharpness.mode') === 'absolute';
  const out: Counts = {
    [FASHION_OPS.hvpOpen]: 1,
    [FASHION_OPS.hvp]: hvps,
    [FASHION_OPS.sigma]: 1,
    [FASHION_OPS.lossImage]: (absolute ? samples + 1 : 2 * samples + 1) * N,
  };
  if (absolute) add(out, FASHION_OPS.evalImage, (samples + 1) * fashion('data.test'));
  add(out, FASHION_OPS.gradFull, mean.grads);
  return out;
}

/** `fashion.probe[kind]`: one probe point with the kind's own noise per distinct checkpoint of the dynamics. */
export function probeCost(kind: NoiseKindName, cfg: ConfigReader): Counts {
  return scale(probePointCost([kind], cfg), new Set(fashionConfig(cfg)('dynamics.checkpoints')).size);
}

/** `fashion.indicator`: one probe point at the sharp minimum with every kind of fashion.dynamics.kinds. */
export function indicatorCost(cfg: ConfigReader): Counts {
  return probePointCost(fashionConfig(cfg)('dynamics.kinds'), cfg);
}

/**
 * `fashion.theory`: at θ0 a Hessian operator and Lanczos for K' = max(theory.k ?? probe.topK, the kinds' Hessian
 * k) with lanczosHvps(K', max(probe.lanczos.maxIter, K'+1)) HVPs; Σ once if any kind uses it (sgd or a kind that needs
 * Σ); Hutchinson's samples if any kind is isotropic or diagonal; B HVPs for sgd's exact Tr(HΣ); each low-rank kind's
 * rows; for M-SGD Bernoulli ḡ and ḡᵀHḡ (one gradient, one HVP). Then the short runs, gd once and every other kind
 * theory.runs times, each theory.steps steps of the kind's own gradient (`stepGradOp`), with the training loss logged
 * logCount(steps, every) times (N images; no test set).
 */
export function theoryCost(cfg: ConfigReader, registry: NoiseKinds = NOISE_KINDS): Counts {
  const fashion = fashionConfig(cfg);
  const N = fashion('data.train');
  const m = fashion('dynamics.batchSize');
  const t = fashion('theory');
  const kinds = fashion('dynamics.kinds');
  const noise = (kind: NoiseKindName) => readKindSettings(cfg, kind, registry).noise;
  const needs = kinds.map((kind) => noiseKind(kind, registry).needs(noise(kind)));
  const K = Math.max(t.k ?? fashion('probe.topK'), ...needs.map((n) => n.hessianTopK));
  const out: Counts = { [FASHION_OPS.hvpOpen]: 1 };
  let hvps = lanczosHvps(K, Math.max(fashion('probe.lanczos.maxIter'), K + 1));
  const shapeOf = (kind: string) => noiseKind(kind, registry).shape;
  if (kinds.some((k) => shapeOf(k) === 'isotropic' || shapeOf(k) === 'diagonal')) hvps += fashion('probe.hutchinsonSamples');
  // SGD's exact Tr(HΣ), once, for sgd and every M-SGD kind (theirs is a·Tr(HΣ) + b·ḡᵀHḡ)
  const sgdLike = kinds.some((k, i) => k === 'sgd' || needs[i]!.exampleWeights);
  if (sgdLike && fashion('probe.exactTraceHSigma')) hvps += Math.floor(N / m);
  hvps += kinds.reduce((a, k) => a + lowRankRows(k, noise(k), Math.floor(N / m), registry), 0);
  const mean = meanGradientWork(kinds, cfg, registry);
  add(out, FASHION_OPS.hvp, hvps + mean.hvps);
  if (sgdLike || needs.some(needsCovariance)) add(out, FASHION_OPS.sigma, 1);
  // short runs: gd once (full batch); every other kind theory.runs times, each step the gradient its dynamics takes
  const steps: Counts = { [FASHION_OPS.gradFull]: t.steps + mean.grads };
  let runs = 1;
  kinds.forEach((k, i) => {
    if (k === 'gd') return;
    add(steps, stepGradOp(noiseKind(k, registry), needs[i]!, m), t.runs * t.steps);
    runs += t.runs;
  });
  for (const [op, n] of Object.entries(steps)) add(out, op, n);
  add(out, FASHION_OPS.evalImage, runs * logCount(t.steps, t.every) * N);
  return out;
}

function scale(c: Counts, s: number): Counts {
  return Object.fromEntries(Object.entries(c).map(([op, n]) => [op, n * s]));
}

/** The operation of one value + gradient on a random minibatch of m: `fashion.grad.minibatch[m=<m>]`, timed at that m. */
export function minibatchGradOp(m: number): string {
  return `${FASHION_OPS.gradMinibatch}[m=${m}]`;
}

/** The batch size of a `minibatchGradOp` name, or undefined for another operation. */
export function minibatchOpSize(op: string): number | undefined {
  const hit = /^fashion\.grad\.minibatch\[m=(\d+)\]$/.exec(op);
  return hit ? Number(hit[1]) : undefined;
}

/**
 * `fashion.batchDynamics[batchSize=m]`: SGD (or the M-SGD kind `kind`) as `fashion.dynamics[kind]` counts it, at batch
 * size m: I gradients (`stepGradOp`: minibatches of m for sgd and M-SGD Bernoulli, the weighted full batch for M-SGD
 * Gaussian) and logCount(I, logEvery) evaluations of the N training and T test images (no checkpoints).
 */
export function batchDynamicsCost(m: number, cfg: ConfigReader, kind: NoiseKindName = 'sgd', registry: NoiseKinds = NOISE_KINDS): Counts {
  const fashion = fashionConfig(cfg);
  const I = fashion('dynamics.iterations');
  const out: Counts = {};
  const k = noiseKind(kind, registry);
  add(out, stepGradOp(k, k.needs({}), m), I);
  add(out, FASHION_OPS.evalImage, logCount(I, fashion('dynamics.logEvery')) * (fashion('data.train') + fashion('data.test')));
  return out;
}

/**
 * `fashion.batchTheory`: for every m of fashion.batchSizes.sizes except the one fashion.theory already ran
 * (fashion.dynamics.batchSize, when sgd is among the kinds), theory.runs short SGD runs of theory.steps minibatch
 * gradients of m, each logging the training loss logCount(steps, every) times (N images). No Hessian work.
 */
export function batchTheoryCost(cfg: ConfigReader): Counts {
  const fashion = fashionConfig(cfg);
  const t = fashion('theory');
  const m0 = fashion('dynamics.batchSize');
  const sgdInTheory = fashion('dynamics.kinds').includes('sgd');
  const sizes = (fashion('batchSizes.enabled') ? fashion('batchSizes.sizes') : []).filter((m) => !(m === m0 && sgdInTheory));
  const out: Counts = {};
  for (const m of sizes) add(out, minibatchGradOp(m), t.runs * t.steps);
  add(out, FASHION_OPS.evalImage, sizes.length * t.runs * logCount(t.steps, t.every) * fashion('data.train'));
  return out;
}
