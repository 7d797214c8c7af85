/**
 * Theory against experiment at the sharp minimum θ0 (paper §3): for every noise kind, the loss increase predicted by
 * the paper's linear indicator n·η²/2·Tr(HΣ_kind) and by the quadratic (Ornstein–Uhlenbeck) model in H's top-k
 * eigenbasis — continuous and exact discrete time, see `numerics/escape-theory.ts` — next to the mean increase
 * measured over short noisy runs from θ0, from which the deterministic GD drift is subtracted.
 *
 * The statistics at θ0 are those of the start-point probe (`fashion.indicator`): H's top eigenpairs by Lanczos with
 * the `fashion.probe.lanczos` settings, Σ of SGD at batch size m with the paper's estimator, each kind's Σ_kind built
 * from them with its `fashion.dynamics.<kind>` settings, Tr(HΣ_kind) exact over factor rows (sgd, low-rank kinds) or
 * from Hutchinson's TrH / diag H (isotropic and diagonal kinds). The short runs use `runDynamics` with those statistics
 * held fixed (no refresh over the horizon): sgd draws real minibatches, the M-SGD kinds take real M-SGD steps (fresh
 * example weights and the per-example gradients at θ_t every step; their Σ_kind = a·Σ + b·ḡḡᵀ at θ0 from SGD's Σ and
 * the mean gradient ḡ, stages/noise/example-weights.ts), gd runs once (it is deterministic).
 */
import type * as tf from '@tensorflow/tfjs';
import { dep } from '../../pipeline/deps.ts';
import { deriveSeed } from '../../pipeline/seed.ts';
import { defineStage } from '../../pipeline/stage.ts';
import { hutchinsonTraceAndDiagonal, meanGradientCurvature, traceHTimes, type MeanGradientCurvature } from '../dynamics/probe.ts';
import { runDynamics } from '../dynamics/run.ts';
import { minibatchGradientCovariance } from '../dynamics/statistics.ts';
import type { Covariance } from '../numerics/covariance.ts';
import { createCnn } from '../models/cnn.ts';
import { hessianOperator } from '../models/curvature.ts';
import type { Batch, FlatModel } from '../models/model.ts';
import { requireExampleWeights, type NoiseConfig, type NoiseKindName, type NoiseSampler, type NoiseStats } from '../noise/kind.ts';
import { noiseKind } from '../noise/registry.ts';
import { shapeQuadraticForm } from '../noise/shape.ts';
import { computeNoiseStats } from '../noise/stats.ts';
import { escapePredictions } from '../numerics/escape-theory.ts';
import { traceHSigma, traceHSigmaTopK } from '../numerics/indicator.ts';
import { lanczosOnBackend } from '../numerics/device-lanczos.ts';
import type { LanczosResult } from '../numerics/lanczos.ts';
import { Rng } from '../numerics/random.ts';
import { dot, mean } from '../numerics/vector.ts';
import { initBackend, recordBackend, type BackendName, gpusForBackend } from '../tf/backend.ts';
import { fashionConfig } from './config.ts';
import { theoryCost } from './cost.ts';
import { fashionTheoryOutputs } from './outputs.ts';
import { batches, fashionDataStage, fashionPretrainStage, seedsOf, shapeConfig, shapeKeyPaths } from './stages.ts';

/** Settings of `escapeTheory`. */
export interface EscapeTheoryOptions {
  model: FlatModel;
  /** The minimum θ0 the runs start from and the statistics are computed at. */
  w0: Float32Array;
  train: Batch;
  /** Noise kinds with their settings; gd is always run once for the drift, reported only if listed. */
  kinds: readonly { kind: NoiseKindName; config: NoiseConfig }[];
  lr: number;
  /** SGD's batch size m, at which Σ is estimated. */
  batchSize: number;
  /** Runs per noisy kind (gd: one). */
  runs: number;
  /** Horizon n_max of every run. */
  steps: number;
  /** L(θ_t) is logged every `every` steps (and at step 0 and n_max). */
  every: number;
  /** Hessian eigenpairs of the quadratic model's basis. */
  k: number;
  lanczos: { tol: number; tolPairs: number; tolRest?: number; maxIter: number };
  /** Rademacher probes for TrH and diag H (used by isotropic and diagonal kinds only). */
  hutchinsonSamples: number;
  /** Tr(HΣ_sgd) over all factor rows of Σ rather than within H's top-k eigenspace. */
  exactTraceHSigma: boolean;
  /** Seeds the statistics and, per (kind, run), each run's noise. */
  seed: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number, note: string): void;
}

/** One (kind, step) of the table; losses are differences L(θ_t) − L(θ0) of the full-batch training loss. */
export interface TheoryRow {
  kind: NoiseKindName;
  step: number;
  /** Continuous time t = step·η. */
  t: number;
  /** Mean over runs of L(θ_t) − L(θ0). */
  measuredMean: number;
  /** Its standard error (sample sd / √runs; 0 for gd, which is deterministic). */
  measuredStderr: number;
  /** L(θ_t) − L(θ0) of GD from θ0: the deterministic part of the change. */
  gdDrift: number;
  /** measuredMean − gdDrift. */
  noiseInduced: number;
  /** step·η²/2·Tr(HΣ_kind). */
  linear: number;
  /** ¼ Σ_{i≤k} (1 − e^{−2λ_i t})·η·u_iᵀΣ_kind u_i. */
  quadratic: number;
  /** Σ_{i≤k} ½λ_i η² u_iᵀΣ_kind u_i Σ_{j<step} (1 − ηλ_i)^{2j}. */
  quadraticDiscrete: number;
  traceHSigma: number;
}

/** Per kind: its noise at θ0 and how much of Tr(HΣ_kind) lies in H's top-k eigenspace. */
export interface TheoryKind {
  kind: NoiseKindName;
  traceHSigma: number;
  /** How Tr(HΣ_kind) was computed. */
  traceHSigmaMethod: 'exact' | 'topK' | 'hutchinson';
  /** Tr Σ_kind. */
  traceSigma: number;
  /** Σ_{i≤k} λ_i u_iᵀΣ_kind u_i / Tr(HΣ_kind) (null when Tr(HΣ_kind) = 0). */
  topKCapture: number | null;
  runs: number;
}

/** Everything `escapeTheory` returns (JSON-serialisable). */
export interface EscapeTheoryResult {
  rows: TheoryRow[];
  kinds: TheoryKind[];
  /** H's top-k at θ0 and, per kind, s_ii = u_iᵀΣ_kind u_i in that basis. */
  basis: { eigenvalues: number[]; relativeResiduals: number[]; converged: boolean; sii: Record<string, number[]> };
  /** Per kind and run, L(θ_t) − L(θ0) at the logged steps. */
  trajectories: { kind: NoiseKindName; steps: number[]; deltas: number[][] }[];
  startLoss: number;
  /** TrH by Hutchinson (null when no kind needed it). */
  traceH: number | null;
  hvps: number;
}

/** The noise of one kind at θ0: its sampler (sgd, M-SGD: none, their noise is inside the gradient), Tr Σ_kind, Tr(HΣ_kind), s_ii. */
interface KindNoise {
  kind: NoiseKindName;
  config: NoiseConfig;
  stats: NoiseStats;
  sampler: NoiseSampler | undefined;
  traceSigma: number;
  traceHSigma: number;
  method: TheoryKind['traceHSigmaMethod'];
  sii: Float64Array;
}

/**
 * Statistics at θ0, the three predictions, and `runs` short runs of `steps` steps per kind from θ0.
 * Example: `await escapeTheory({model, w0, train, kinds: [{kind: 'sgd', config: {}}], lr: 0.07, ...})`.
 */
export async function escapeTheory(o: EscapeTheoryOptions): Promise<EscapeTheoryResult> {
  const D = o.model.size;
  if (!Number.isInteger(o.k) || o.k < 1 || o.k > D) throw new Error(`escapeTheory: k=${o.k} must be an integer in [1, D=${D}]`);
  if (!Number.isInteger(o.runs) || o.runs < 2) throw new Error(`escapeTheory: runs=${o.runs} must be an integer ≥ 2 (for a standard error)`);
  const rng = new Rng(o.seed);
  const kinds = o.kinds.map(({ kind, config }) => ({ kind, config, needs: noiseKind(kind).needs(config) }));
  const lanczosK = Math.max(o.k, ...kinds.map((x) => x.needs.hessianTopK));
  const noisyRuns = kinds.filter((x) => x.kind !== 'gd').length * o.runs;
  const total = (noisyRuns + 1) * o.steps;
  o.onProgress?.(0, total, 'statistics at θ0');

  const H = hessianOperator(o.model, o.w0, o.train);
  let hvps = 0;
  const Hc = { size: H.size, matvec: (v: Float64Array) => (hvps++, H.matvec(v)), matvecTensor: (v: tf.Tensor1D) => (hvps++, H.matvecTensor(v)) };
  let top: LanczosResult;
  let noise: KindNoise[];
  let traceH: number | null = null;
  try {
    top = await lanczosOnBackend(Hc, {
      k: lanczosK,
      tol: o.lanczos.tol,
      tolPairs: Math.min(lanczosK, o.lanczos.tolPairs),
      tolRest: o.lanczos.tolRest,
      maxIter: Math.max(o.lanczos.maxIter, lanczosK + 1),
      rng,
    });
    o.signal?.throwIfAborted();
    const hessianTop = { eigenvalues: top.eigenvalues, eigenvectors: top.eigenvectors };
    const basis = top.eigenvectors.slice(0, o.k);
    // Σ at batch size m, computed only if a kind uses it (sgd, or a kind that needs Σ's statistics).
    let sigmaCache: Promise<Covariance> | undefined;
    const sigma = () => (sigmaCache ??= minibatchGradientCovariance(o.model, o.w0, o.train, o.batchSize, rng));
    const built = [];
    for (const { kind, config, needs } of kinds) {
      const stats = await computeNoiseStats(needs, { size: D, covariance: sigma, hessianTopK: async () => hessianTop });
      const inGradient = kind === 'sgd' || needs.exampleWeights;
      built.push({ kind, config, stats, sampler: inGradient ? undefined : noiseKind(kind).build(stats, config) });
    }
    if (built.some((b) => b.sampler === undefined)) await sigma(); // sgd, M-SGD: Σ itself, drawn before the Hutchinson probes
    const hutch = built.some((b) => b.sampler?.shape.type === 'isotropic' || b.sampler?.shape.type === 'diagonal')
      ? await hutchinsonTraceAndDiagonal(Hc, o.hutchinsonSamples, rng)
      : undefined;
    traceH = hutch?.traceH ?? null;
    noise = [];
    let sgdTrace: number | undefined;
    let meanCurvature: Promise<MeanGradientCurvature> | undefined;
    for (const b of built) {
      o.signal?.throwIfAborted();
      if (b.sampler === undefined) {
        const cov = await sigma();
        const value = (sgdTrace ??= o.exactTraceHSigma ? (await traceHSigma(Hc, cov)).value : traceHSigmaTopK(hessianTop, cov));
        const sii = Float64Array.from(basis, (u) => cov.quadraticForm(u));
        const method = o.exactTraceHSigma ? 'exact' : 'topK';
        if (b.kind === 'sgd') {
          noise.push({ ...b, traceSigma: cov.trace, traceHSigma: value, method, sii });
          continue;
        }
        // M-SGD: a·Σ + b·ḡḡᵀ
        const { sigmaM: a, meanOuter: c } = requireExampleWeights(noiseKind(b.kind)).covariance(o.train.x.shape[0]!, o.batchSize);
        const g = c === 0 ? undefined : await (meanCurvature ??= meanGradientCurvature(o.model, o.w0, o.train, Hc));
        const gu = (u: Float64Array) => (g ? dot(g.g, u) : 0);
        noise.push({
          ...b,
          traceSigma: a * cov.trace + c * (g?.gg ?? 0),
          traceHSigma: a * value + c * (g?.gHg ?? 0),
          method,
          sii: Float64Array.from(basis, (u, i) => a * sii[i]! + c * gu(u) ** 2),
        });
        continue;
      }
      const shape = b.sampler.shape;
      const estimated = shape.type === 'isotropic' || shape.type === 'diagonal';
      const value = await traceHTimes(shape, Hc, hutch?.traceH ?? NaN, hutch?.diag ?? new Float64Array(D));
      const sii = Float64Array.from(basis, (u) => shapeQuadraticForm(shape, u));
      noise.push({ ...b, traceSigma: b.sampler.trace, traceHSigma: value, method: estimated ? 'hutchinson' : 'exact', sii });
    }
  } finally {
    H.dispose();
  }

  // Short runs from θ0 with the statistics held fixed: refresh never comes within the horizon.
  let done = 0;
  const shortRun = async (k: KindNoise | { kind: 'gd'; config: NoiseConfig; stats: NoiseStats }, run: number) => {
    const before = done;
    const r = await runDynamics({
      model: o.model,
      w0: o.w0,
      train: o.train,
      kind: k.kind,
      noise: k.config,
      lr: o.lr,
      batchSize: o.batchSize,
      refresh: o.steps + 1,
      iterations: o.steps,
      logEvery: o.every,
      checkpoints: [],
      hessian: o.lanczos,
      statistics: async () => k.stats,
      rng: new Rng(deriveSeed(o.seed, `theory/${k.kind}/run=${run}`)),
      signal: o.signal,
      onProgress: (d) => o.onProgress?.((done = before + d), total, `${k.kind} run ${run + 1}`),
    });
    return r.log;
  };
  const gdLog = await shortRun({ kind: 'gd', config: {}, stats: { size: D } }, 0);
  const steps = gdLog.map((l) => l.iteration);
  const startLoss = gdLog[0]!.trainLoss;
  const gdDrift = gdLog.map((l) => l.trainLoss - startLoss);

  const rows: TheoryRow[] = [];
  const kindRecords: TheoryKind[] = [];
  const trajectories: EscapeTheoryResult['trajectories'] = [];
  const lambdas = top.eigenvalues.slice(0, o.k);
  for (const k of noise) {
    const runs = k.kind === 'gd' ? 1 : o.runs;
    const deltas: number[][] = [];
    for (let r = 0; r < runs; r++) {
      const log = k.kind === 'gd' ? gdLog : await shortRun(k, r);
      deltas.push(log.map((l) => l.trainLoss - startLoss));
    }
    trajectories.push({ kind: k.kind, steps, deltas });
    const p = escapePredictions(steps, o.lr, lambdas, k.sii, k.traceHSigma);
    steps.forEach((step, j) => {
      const xs = deltas.map((d) => d[j]!);
      const m = mean(xs);
      const sd = runs > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (runs - 1)) : 0;
      rows.push({
        kind: k.kind,
        step,
        t: step * o.lr,
        measuredMean: m,
        measuredStderr: sd / Math.sqrt(runs),
        gdDrift: gdDrift[j]!,
        noiseInduced: m - gdDrift[j]!,
        linear: p.linear[j]!,
        quadratic: p.quadratic[j]!,
        quadraticDiscrete: p.quadraticDiscrete[j]!,
        traceHSigma: k.traceHSigma,
      });
    });
    kindRecords.push({
      kind: k.kind,
      traceHSigma: k.traceHSigma,
      traceHSigmaMethod: k.method,
      traceSigma: k.traceSigma,
      topKCapture: k.traceHSigma !== 0 ? p.subspaceTrace / k.traceHSigma : null,
      runs,
    });
  }
  return {
    rows,
    kinds: kindRecords,
    basis: {
      eigenvalues: Array.from(lambdas),
      relativeResiduals: Array.from(top.relativeResiduals.slice(0, o.k)),
      converged: top.converged,
      sii: Object.fromEntries(noise.map((k) => [k.kind, Array.from(k.sii)])),
    },
    trajectories,
    startLoss,
    traceH,
    hvps,
  };
}

/** The theory-against-experiment table at the sharp minimum of one seed. */
export const fashionTheoryStage = defineStage({
  id: 'fashion.theory',
  version: 1,
  outputs: fashionTheoryOutputs,
  description: 'fashion: predicted (linear, quadratic) vs measured loss increase over short noisy runs from the sharp minimum',
  isolate: true,
  gpus: gpusForBackend,
  threads: () => Infinity, // wasm threads, bit-identical results (stages/tf/wasm-threads.ts)
  instances: (cfg) => seedsOf(cfg).map((seed) => ({ seed })),
  reads: (_p, cfg) => [
    'seed',
    'backend',
    'fashion.theory',
    'fashion.dynamics.lr',
    'fashion.dynamics.batchSize',
    'fashion.dynamics.kinds',
    ...shapeKeyPaths(cfg),
    'fashion.probe.lanczos',
    'fashion.probe.hutchinsonSamples',
    'fashion.probe.exactTraceHSigma',
    ...(fashionConfig(cfg)('theory').k === undefined ? ['fashion.probe.topK'] : []),
  ],
  deps: (p) => ({ data: dep(fashionDataStage), start: dep(fashionPretrainStage, { seed: p.seed }) }),
  cost: (_p, cfg) => theoryCost(cfg),
  costNote: 'the Lanczos HVPs are a model (7.27 + 2.033·k, see stages/fashion/cost.ts)',
  async run(ctx, inputs) {
    const fashion = fashionConfig(ctx.config);
    const info = await initBackend(ctx.config<BackendName>('backend'), { threads: ctx.threads });
    recordBackend(ctx, info);
    const { train, dispose } = batches(inputs.data);
    const s = fashion('theory');
    const k = s.k ?? fashion('probe.topK');
    const lr = fashion('dynamics.lr');
    try {
      const r = await escapeTheory({
        model: createCnn(),
        w0: inputs.start.w.data,
        train,
        kinds: fashion('dynamics.kinds').map((kind) => ({ kind, config: shapeConfig(ctx, kind) })),
        lr,
        batchSize: fashion('dynamics.batchSize'),
        runs: s.runs,
        steps: s.steps,
        every: s.every,
        k,
        lanczos: fashion('probe.lanczos'),
        hutchinsonSamples: fashion('probe.hutchinsonSamples'),
        exactTraceHSigma: fashion('probe.exactTraceHSigma'),
        seed: ctx.seed,
        signal: ctx.signal,
        onProgress: (done, total, note) => ctx.progress(done, total, note),
      });
      ctx.setMeta('hvps', r.hvps);
      return {
        rows: r.rows,
        kinds: r.kinds,
        basis: r.basis,
        trajectories: r.trajectories,
        settings: {
          runs: s.runs,
          steps: s.steps,
          every: s.every,
          k,
          lr,
          noiseFixedAtStart: true,
          gdRuns: 1,
          startLoss: r.startLoss,
          traceH: r.traceH,
          note:
            'Σ_kind of every gld kind is computed once at θ0 and held fixed over the horizon (no refresh); sgd uses real ' +
            'minibatches; msgd_* take real M-SGD steps (fresh example weights every step); gd is deterministic and run once; ' +
            'noiseInduced = measuredMean − gdDrift.',
        },
      };
    } finally {
      dispose();
    }
  },
});
