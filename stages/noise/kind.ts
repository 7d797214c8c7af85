/**
 * The contract every noise kind follows: declare what statistics it needs (so the dynamics loop computes only those
 * every `refresh` iterations), then build a Gaussian sampler from them. Update rule: θ ← θ − η(∇L(θ) + ξ),
 * ξ ~ N(0, Σ_kind); `sgd` instead replaces ∇L by a random minibatch gradient and adds nothing.
 */
import type { EigenPairs } from '../numerics/eigen.ts';
import type { Rng } from '../numerics/random.ts';
import { checkShape, sampleShape, shapeTrace, type NoiseShape } from './shape.ts';

/** The eight kinds of the paper, and gld_full (Gaussian noise with SGD's full Σ). */
export type NoiseKindName = 'gd' | 'sgd' | 'gld_const' | 'gld_dynamic' | 'gld_diag' | 'gld_leading' | 'gld_hessian' | 'gld_hessian_top1' | 'gld_full';

/** Per-kind settings; each kind reads only its own keys and names a missing one. */
export interface NoiseConfig {
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
}

/** Needs of a kind that needs nothing. */
export const NO_NEEDS: NoiseNeeds = Object.freeze({
  minibatchGradient: false,
  covarianceTrace: false,
  covarianceDiagonal: false,
  covarianceTopK: 0,
  covarianceFactor: false,
  hessianTopK: 0,
});

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
  /** The kind that built it. */
  readonly kind: NoiseKindName;
  /** Its covariance Σ_kind in structured form. */
  readonly shape: NoiseShape;
  /** E‖ξ‖² = Tr Σ_kind. */
  readonly trace: number;
  /** True when ξ ≡ 0 (gd, sgd): the loop may skip sampling. */
  readonly isZero: boolean;
  /** Fills `out` with one draw ξ ~ N(0, Σ_kind) and returns it. */
  sample(rng: Rng, out: Float32Array): Float32Array;
}

/** A noise kind: one module each, listed in `registry.ts`. */
export interface NoiseKind {
  /** Registry name, as in configs. */
  readonly name: NoiseKindName;
  /** One line for reports. */
  readonly description: string;
  /** What must be computed (every `refresh` iterations) before `build`. */
  needs(config: NoiseConfig): NoiseNeeds;
  /** The sampler for the current statistics. */
  build(stats: NoiseStats, config: NoiseConfig): NoiseSampler;
}

/** Wraps a (validated) shape as the sampler of `kind`. */
export function samplerFromShape(kind: NoiseKindName, shape: NoiseShape): NoiseSampler {
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
export function requireStat<K extends keyof NoiseStats>(kind: NoiseKindName, stats: NoiseStats, key: K): NonNullable<NoiseStats[K]> {
  const v = stats[key];
  if (v === undefined || v === null) {
    throw new Error(`noise kind ${kind}: stats.${String(key)} is missing (compute what needs() declares before build)`);
  }
  return v as NonNullable<NoiseStats[K]>;
}

/** The positive integer config key `k`, or an error naming the kind. */
export function requireK(kind: NoiseKindName, config: NoiseConfig): number {
  const k = config.k;
  if (k === undefined || !Number.isInteger(k) || k < 1) throw new Error(`noise kind ${kind}: config.k must be a positive integer, got ${k}`);
  return k;
}

/** The first k eigenpairs of `pairs`, or an error if fewer were computed. */
export function leadingPairs(kind: NoiseKindName, pairs: EigenPairs, k: number, what: string): EigenPairs {
  if (pairs.eigenvalues.length < k || pairs.eigenvectors.length < k) {
    throw new Error(`noise kind ${kind}: needs ${k} eigenpairs of ${what}, got ${pairs.eigenvalues.length}`);
  }
  return { eigenvalues: pairs.eigenvalues.slice(0, k), eigenvectors: pairs.eigenvectors.slice(0, k) };
}
