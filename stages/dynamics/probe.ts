/**
 * Curvature probing of a network at one point: the Hessian's top eigenvalues (Lanczos; on webgpu with the search
 * space on the device), TrH (Hutchinson, with the
 * same probes giving an estimate of diag H), SGD's gradient-noise covariance Σ at batch size m, Tr(HΣ) (exact over
 * Σ's factor rows, or restricted to H's top-k eigenspace), Tr(HΣ̄), the paper's conditions, expected sharpness, and
 * Tr(HΣ_kind) for every noise kind at that point (the M-SGD kinds' from SGD's Σ and the mean gradient ḡ:
 * a·Σ + b·ḡḡᵀ, stages/noise/example-weights.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { expectedSharpness, hessianOperator, valueAndGradRead } from '../models/curvature.ts';
import type { Batch, FlatModel } from '../models/model.ts';
import { requireExampleWeights, type NoiseConfig, type NoiseKindName } from '../noise/kind.ts';
import { noiseKind } from '../noise/registry.ts';
import type { NoiseShape } from '../noise/shape.ts';
import { computeNoiseStats } from '../noise/stats.ts';
import type { Covariance } from '../numerics/covariance.ts';
import type { FlatnessMode } from '../numerics/flatness.ts';
import { escapingIndicator, paperConditions, traceHSigma, traceHSigmaTopK, type PaperConditions } from '../numerics/indicator.ts';
import { lanczosOnBackend } from '../numerics/device-lanczos.ts';
import { hasDeviceMatvec } from '../numerics/device-operator.ts';
import type { LinearOperator } from '../numerics/operator.ts';
import type { Rng } from '../numerics/random.ts';
import { dot } from '../numerics/vector.ts';
import { minibatchGradientCovariance } from './statistics.ts';

/** What to compute and how precisely. */
export interface ProbeOptions {
  /** Hessian eigenpairs to compute (≥ 2). */
  topK: number;
  lanczos: { tol: number; tolPairs: number; tolRest?: number; maxIter: number };
  hutchinsonSamples: number;
  /** SGD's batch size m, at which Σ is estimated. */
  batchSize: number;
  /** Tr(HΣ) over all of Σ's factor rows (one HVP each) rather than within H's top-k eigenspace. */
  exactTraceHSigma: boolean;
  /** `mode` absent = signed (antithetic); `absolute` = the released flatness.py protocol (needs `test` for its accuracy change). */
  sharpness: { delta: number; samples: number; mode?: FlatnessMode };
  /** Test set for the accuracy change under the sharpness draws (used in `absolute` mode). */
  test?: Batch;
  rng: Rng;
}

/** Tr(HΣ_kind) of one noise kind at the point, with its isotropic comparison of equal total variance. */
export interface KindTrace {
  kind: NoiseKindName;
  /** Tr Σ_kind. */
  noiseTrace: number;
  traceHSigma: number;
  traceHSigmaIsotropic: number;
  ratio: number | null;
}

/** Everything measured at one point. */
export interface ProbeResult {
  hessianTop: number[];
  /** Relative residual ‖Hy − θy‖/|θ| of each reported eigenvalue. */
  hessianTopResiduals: number[];
  lanczosHvps: number;
  traceH: number;
  traceHStderr: number;
  traceSigma: number;
  traceHSigma: number;
  traceHSigmaMethod: 'exact' | 'topK';
  traceHSigmaIsotropic: number;
  ratio: number;
  conditions: PaperConditions;
  sharpness: { estimate: number; stderr: number; delta: number; samples: number; mode?: FlatnessMode; testAccuracyChange?: number };
  kinds: KindTrace[];
  hvps: number;
}

/** Counts operator applications (on the host and, where the operator has one, on the device). */
function counted(op: LinearOperator): LinearOperator & { count: number } {
  const wrapped = {
    size: op.size,
    count: 0,
    matvec: (v: Float64Array) => {
      wrapped.count++;
      return op.matvec(v);
    },
  };
  if (!hasDeviceMatvec(op)) return wrapped;
  return Object.assign(wrapped, {
    matvecTensor: (v: tf.Tensor1D) => {
      wrapped.count++;
      return op.matvecTensor(v);
    },
  });
}

/** Probes the curvature at w; `kinds` lists the noise kinds (with their settings) whose Tr(HΣ_kind) is wanted. */
export async function probeCurvature(
  model: FlatModel,
  w: Float32Array,
  train: Batch,
  kinds: readonly { kind: NoiseKindName; config: NoiseConfig }[],
  o: ProbeOptions,
): Promise<ProbeResult> {
  const D = model.size;
  const base = hessianOperator(model, w, train);
  const H = counted(base);
  try {
    const top = await lanczosOnBackend(H, {
      k: o.topK,
      tol: o.lanczos.tol,
      tolPairs: Math.min(o.topK, o.lanczos.tolPairs),
      tolRest: o.lanczos.tolRest,
      maxIter: o.lanczos.maxIter,
      rng: o.rng,
    });
    const lanczosHvps = top.matvecs;
    const hessianTop = { eigenvalues: top.eigenvalues, eigenvectors: top.eigenvectors };

    const { traceH, traceHStderr, diag } = await hutchinsonTraceAndDiagonal(H, o.hutchinsonSamples, o.rng);

    const sigma: Covariance = await minibatchGradientCovariance(model, w, train, o.batchSize, o.rng);
    const ths = o.exactTraceHSigma ? (await traceHSigma(H, sigma)).value : traceHSigmaTopK(hessianTop, sigma);
    const indicator = escapingIndicator({ traceHSigma: ths, traceH, traceSigma: sigma.trace, size: D });
    const conditions = paperConditions(hessianTop, Math.min(o.topK - 1, 20), traceH, sigma);

    const kindTraces: KindTrace[] = [];
    let mean: Promise<MeanGradientCurvature> | undefined;
    for (const { kind: name, config } of kinds) {
      const kind = noiseKind(name);
      if (kind.needs(config).exampleWeights) {
        // M-SGD: Σ_kind = a·Σ_m + b·ḡḡᵀ exactly, with SGD's Σ_m as estimated here (as sgd's own row takes it)
        const { sigmaM: a, meanOuter: b } = requireExampleWeights(kind).covariance(train.x.shape[0]!, o.batchSize);
        const g = b === 0 ? { gHg: 0, gg: 0 } : await (mean ??= meanGradientCurvature(model, w, train, H));
        const noiseTrace = a * sigma.trace + b * g.gg;
        const iso = (noiseTrace * traceH) / D;
        const value = a * ths + b * g.gHg;
        kindTraces.push({ kind: name, noiseTrace, traceHSigma: value, traceHSigmaIsotropic: iso, ratio: iso > 0 ? value / iso : null });
        continue;
      }
      if (name === 'sgd') {
        kindTraces.push({
          kind: name,
          noiseTrace: sigma.trace,
          traceHSigma: ths,
          traceHSigmaIsotropic: indicator.traceHSigmaIsotropic,
          ratio: indicator.ratio,
        });
        continue;
      }
      const stats = await computeNoiseStats(kind.needs(config), { size: D, covariance: () => sigma, hessianTopK: async () => hessianTop });
      const sampler = kind.build(stats, config);
      const value = await traceHTimes(sampler.shape, H, traceH, diag);
      const iso = (sampler.trace * traceH) / D;
      kindTraces.push({ kind: name, noiseTrace: sampler.trace, traceHSigma: value, traceHSigmaIsotropic: iso, ratio: iso > 0 ? value / iso : null });
    }

    const absolute = o.sharpness.mode === 'absolute';
    const sharp = await expectedSharpness(model, w, train, {
      delta: o.sharpness.delta,
      samples: o.sharpness.samples,
      rng: o.rng,
      mode: o.sharpness.mode,
      test: absolute ? o.test : undefined,
    });
    return {
      hessianTop: Array.from(top.eigenvalues),
      hessianTopResiduals: Array.from(top.relativeResiduals),
      lanczosHvps,
      traceH,
      traceHStderr,
      traceSigma: sigma.trace,
      traceHSigma: ths,
      traceHSigmaMethod: o.exactTraceHSigma ? 'exact' : 'topK',
      traceHSigmaIsotropic: indicator.traceHSigmaIsotropic,
      ratio: indicator.ratio,
      conditions: { ...conditions },
      sharpness: {
        estimate: sharp.estimate,
        stderr: sharp.stderr,
        delta: o.sharpness.delta,
        samples: o.sharpness.samples,
        ...(absolute ? { mode: sharp.mode, ...(sharp.testAccuracyChange ? { testAccuracyChange: sharp.testAccuracyChange.estimate } : {}) } : {}),
      },
      kinds: kindTraces,
      hvps: H.count,
    };
  } finally {
    base.dispose?.();
  }
}

/** The full-batch mean gradient ḡ at a point with ḡᵀHḡ and ‖ḡ‖² (the M-SGD kinds' ḡḡᵀ term). */
export interface MeanGradientCurvature {
  readonly g: Float64Array;
  readonly gHg: number;
  readonly gg: number;
}

/** ḡ = ∇L(w) on `train`, ḡᵀHḡ (one product with H) and ‖ḡ‖². Example: `await meanGradientCurvature(model, w, train, H)`. */
export async function meanGradientCurvature(model: FlatModel, w: Float32Array, train: Batch, H: LinearOperator): Promise<MeanGradientCurvature> {
  const g = Float64Array.from((await valueAndGradRead(model, w, train)).grad);
  return { g, gHg: dot(g, await H.matvec(g)), gg: dot(g, g) };
}

/**
 * Hutchinson with Rademacher probes: TrH ≈ mean zᵀHz (with its standard error) and diag H ≈ mean z ⊙ Hz, from the
 * same `samples` HVPs.
 */
export async function hutchinsonTraceAndDiagonal(
  H: LinearOperator,
  samples: number,
  rng: Rng,
): Promise<{ traceH: number; traceHStderr: number; diag: Float64Array }> {
  const D = H.size;
  const diag = new Float64Array(D);
  const values: number[] = [];
  for (let s = 0; s < samples; s++) {
    const z = rng.fillRademacher(new Float64Array(D));
    const hz = await H.matvec(z);
    values.push(dot(z, hz));
    for (let i = 0; i < D; i++) diag[i] = diag[i]! + (z[i]! * hz[i]!) / samples;
  }
  const traceH = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - traceH) ** 2, 0) / Math.max(1, values.length - 1));
  return { traceH, traceHStderr: sd / Math.sqrt(values.length), diag };
}

/** Tr(H·S) for a structured noise covariance S (diagonal shapes use the Hutchinson estimate of diag H). */
export async function traceHTimes(shape: NoiseShape, H: LinearOperator, traceH: number, diagH: Float64Array): Promise<number> {
  switch (shape.type) {
    case 'zero':
      return 0;
    case 'isotropic':
      return shape.variance * traceH;
    case 'diagonal':
      return dot(shape.variances, diagH);
    case 'lowRank': {
      let s = 0;
      for (const r of shape.rows) s += dot(r, await H.matvec(Float64Array.from(r)));
      return s;
    }
  }
}
