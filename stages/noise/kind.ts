/**
 * The contract every noise kind follows: declare what statistics it needs (so the dynamics loop computes only those
 * every `refresh` iterations), then build a Gaussian sampler from them. Update rule: θ ← θ − η(∇L(θ) + ξ),
 * ξ ~ N(0, Σ_kind); `sgd` instead replaces ∇L by a random minibatch gradient and adds nothing; the M-SGD kinds
 * (`exampleWeights`) replace it by the gradient of a randomly weighted loss (1/N)Σ_i (1 + ε_i)·ℓ_i at every step.
 */
import type { EigenPairs } from '../numerics/eigen.ts';
import type { Rng } from '../numerics/random.ts';
import type { NOISE_KINDS } from './registry.ts';
import type { z } from 'zod';
import type { NoiseSettingsSchema } from './settings.ts';
import { checkShape, sampleShape, shapeTrace, type NoiseShape } from './shape.ts';
import type { KindStyle } from './style.ts';

/** The name of a registered kind: the eight kinds of the paper, gld_full (Gaussian noise with SGD's full Σ), msgd_gaussian and msgd_bernoulli. */
export type NoiseKindName = keyof typeof NOISE_KINDS;

/** Per-kind settings; each kind reads only its own keys (a new kind's keys are its own) and names a missing one. */
export interface NoiseConfig {
  /** Further keys of a kind's own, validated by its settings schema. */
  readonly [setting: string]: unknown;
  /** gld_const: ξ ~ N(0, σ²I). */
  readonly sigma?: number;
  /** gld_leading, gld_hessian: number of eigenpairs kept. */
  readonly k?: number;
  /** gld_leading: rescale Σ_j λ_j v_j v_jᵀ to trace TrΣ (default false: the bare top-k part of Σ). */
  readonly rescaleToTrace?: boolean;
}

/** What a kind needs the dynamics loop to compute before `build`. */
export interface NoiseNeeds {
  /** Use a random minibatch gradient instead of the full gradient (sgd). */
  readonly minibatchGradient: boolean;
  /** Tr Σ of the gradient-noise covariance. */
  readonly covarianceTrace: boolean;
  /** diag Σ. */
  readonly covarianceDiagonal: boolean;
  /** Number of leading eigenpairs of Σ (0 = none). */
  readonly covarianceTopK: number;
  /** A factor of Σ: rows c_k with Σ = Σ_k c_k c_kᵀ (gld_full). */
  readonly covarianceFactor: boolean;
  /** Number of leading eigenpairs of the Hessian H (0 = none). */
  readonly hessianTopK: number;
  /**
   * Step along the gradient of the weighted loss (1/N)Σ_i w_i·ℓ_i(θ_t), with example weights w = 1 + ε drawn by the
   * kind's `exampleWeights` at every step (M-SGD): its noise (1/N)G(θ_t)ᵀε comes from the per-example gradients at
   * the current iterate, and no Σ is ever formed.
   */
  readonly exampleWeights: boolean;
}

/** Needs of a kind that needs nothing. */
export const NO_NEEDS: NoiseNeeds = Object.freeze({
  minibatchGradient: false,
  covarianceTrace: false,
  covarianceDiagonal: false,
  covarianceTopK: 0,
  covarianceFactor: false,
  hessianTopK: 0,
  exampleWeights: false,
});

/**
 * How an M-SGD kind draws the example weights w = 1 + ε of one step (Wu et al., ICML 2020). The gradient noise is
 * then (1/N)Gᵀε with G the N×D per-example gradients at θ_t, and for every exchangeable ε its covariance is
 * `sigmaM`·Σ_m + `meanOuter`·ḡḡᵀ: Σ_m = (N − m)/(m(N − 1))·Σ₁ SGD's own at batch size m (stages/numerics/batch-scaling.ts).
 */
export interface ExampleWeights {
  /** Fills `out` (length N, the number of examples) with one draw of the weights 1 + ε_i at batch size m; returns it. */
  draw(rng: Rng, m: number, out: Float64Array): Float64Array;
  /**
   * True when every draw keeps a random subset at one common weight (Bernoulli): a step then costs a minibatch gradient
   * on that subset, of mean size m; false when every example has its own weight (a full-batch weighted gradient).
   */
  readonly subset: boolean;
  /** Cov((1/N)Gᵀε) = sigmaM·Σ_m + meanOuter·ḡḡᵀ for N examples at batch size m, exactly. */
  covariance(n: number, m: number): { readonly sigmaM: number; readonly meanOuter: number };
}

/** Statistics handed to `build`: D plus whatever `needs` asked for. */
export interface NoiseStats {
  /** Parameter count D. */
  readonly size: number;
  /** Tr Σ. */
  readonly covarianceTrace?: number;
  /** diag Σ (length D). */
  readonly covarianceDiagonal?: Float64Array;
  /** Leading eigenpairs of Σ (at least `needs.covarianceTopK`). */
  readonly covarianceTopK?: EigenPairs;
  /** Rows c_k with Σ = Σ_k c_k c_kᵀ exactly (each of length D; e.g. the scaled centred minibatch gradients of `Covariance.factor`). */
  readonly covarianceFactor?: readonly Float64Array[];
  /** Leading eigenpairs of H (at least `needs.hessianTopK`). */
  readonly hessianTopK?: EigenPairs;
}

/** A built noise source: its covariance shape, trace, and an exact sampler. */
export interface NoiseSampler {
  /** The name of the kind that built it. */
  readonly kind: string;
  /** Its covariance Σ_kind in structured form. */
  readonly shape: NoiseShape;
  /** E‖ξ‖² = Tr Σ_kind. */
  readonly trace: number;
  /** True when ξ ≡ 0 (gd, sgd): the loop may skip sampling. */
  readonly isZero: boolean;
  /** Fills `out` with one draw ξ ~ N(0, Σ_kind) and returns it. */
  sample(rng: Rng, out: Float32Array): Float32Array;
}

/** A noise kind: one module each, listed in `registry.ts`; everything else (config schema, cost, figures) loops over them. */
export interface NoiseKind<S extends NoiseSettingsSchema = NoiseSettingsSchema, N extends string = string> {
  /** Registry name, as in configs. */
  readonly name: N;
  /** One line for reports. */
  readonly description: string;
  /** Strict zod schema of its settings block `fashion.dynamics.<name>` (`refresh` where statistics are re-estimated). */
  readonly settings: S;
  /** Its settings block in the paper's profile (`fashion.dynamics.<name>`; stages/fashion/config.ts); profiles override it. */
  readonly defaults: z.output<S>;
  /** The keys of its settings that shape its noise (the probes read only these; `refresh` and the like only schedule it). */
  readonly noiseKeys: readonly string[];
  /** Its settings block comes just before this kind's in the config schema (absent: in registry order). */
  readonly settingsBefore?: string;
  /** The structure of Σ_kind that `build` returns, which sets what Tr(HΣ_kind) costs (Hutchinson, or one HVP per row). */
  readonly shape: NoiseShape['type'];
  /** How figures draw it; the registry order is the legend order. */
  readonly style: KindStyle;
  /** M-SGD kinds (whose `needs` say `exampleWeights`): the per-step example weights. */
  readonly exampleWeights?: ExampleWeights;
  /** What must be computed (every `refresh` iterations) before `build`. */
  needs(config: NoiseConfig): NoiseNeeds;
  /** The sampler for the current statistics. */
  build(stats: NoiseStats, config: NoiseConfig): NoiseSampler;
}

/** A kind, frozen, with the precise types of its name and settings schema (which the config schema's type keeps). */
export function defineNoiseKind<S extends NoiseSettingsSchema, N extends string>(kind: NoiseKind<S, N>): NoiseKind<S, N> {
  if (kind.needs(kind.defaults as NoiseConfig).exampleWeights !== (kind.exampleWeights !== undefined))
    throw new Error(`noise kind ${kind.name}: needs().exampleWeights and an exampleWeights sampler go together`);
  return Object.freeze(kind);
}

/** Wraps a (validated) shape as the sampler of `kind`. */
export function samplerFromShape(kind: string, shape: NoiseShape): NoiseSampler {
  const checked = checkShape(shape, kind);
  const trace = shapeTrace(checked);
  return Object.freeze({
    kind,
    shape: checked,
    trace,
    isZero: checked.type === 'zero',
    sample: (rng: Rng, out: Float32Array) => sampleShape(checked, rng, out),
  });
}

/** The statistic `key` from `stats`, or an error naming the kind and the missing statistic. */
export function requireStat<K extends keyof NoiseStats>(kind: string, stats: NoiseStats, key: K): NonNullable<NoiseStats[K]> {
  const v = stats[key];
  if (v === undefined || v === null) {
    throw new Error(`noise kind ${kind}: stats.${String(key)} is missing (compute what needs() declares before build)`);
  }
  return v as NonNullable<NoiseStats[K]>;
}

/** The example weights of M-SGD kind `kind`, or an error naming it (a kind whose needs say exampleWeights has them). */
export function requireExampleWeights(kind: NoiseKind): ExampleWeights {
  if (kind.exampleWeights === undefined) throw new Error(`noise kind ${kind.name}: has no exampleWeights (needs().exampleWeights is false)`);
  return kind.exampleWeights;
}

/** The positive integer config key `k`, or an error naming the kind. */
export function requireK(kind: string, config: NoiseConfig): number {
  const k = config.k;
  if (k === undefined || !Number.isInteger(k) || k < 1) throw new Error(`noise kind ${kind}: config.k must be a positive integer, got ${k}`);
  return k;
}

/** The first k eigenpairs of `pairs`, or an error if fewer were computed. */
export function leadingPairs(kind: string, pairs: EigenPairs, k: number, what: string): EigenPairs {
  if (pairs.eigenvalues.length < k || pairs.eigenvectors.length < k) {
    throw new Error(`noise kind ${kind}: needs ${k} eigenpairs of ${what}, got ${pairs.eigenvalues.length}`);
  }
  return { eigenvalues: pairs.eigenvalues.slice(0, k), eigenvectors: pairs.eigenvectors.slice(0, k) };
}
