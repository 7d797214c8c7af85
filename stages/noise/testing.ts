/**
 * Shared fixtures for the noise-kind tests: a small problem (D = 6) with a gradient-noise covariance built from
 * samples, a dense Hessian, all their statistics, and an empirical-covariance check with a principled tolerance.
 */
import type { ExecutionContext } from 'ava';
import { type Covariance, minibatchCovariance } from '../numerics/covariance.ts';
import { symmetricEigen, type EigenPairs } from '../numerics/eigen.ts';
import { randomSymmetric } from '../numerics/testing.ts';
import { Rng } from '../numerics/random.ts';
import type { NoiseConfig, NoiseSampler, NoiseStats } from './kind.ts';
import { noiseKind } from './registry.ts';
import { shapeDense } from './shape.ts';

/** The paper's eight kinds, then gld_full: the registry's first nine entries (a kind added to it comes after them). */
export const PAPER_KINDS = Object.freeze([
  'gd',
  'sgd',
  'gld_const',
  'gld_dynamic',
  'gld_diag',
  'gld_leading',
  'gld_hessian',
  'gld_hessian_top1',
  'gld_full',
] as const);

/**
 * The noise config a test gives kind `name`: `paper` (the test's own settings) for the paper's kinds, and for a kind
 * added to the registry the noise keys of its own `defaults`. Example: `testNoise(kind, { sigma: 1e-2, k: 3 })`.
 */
export function testNoise(name: string, paper: NoiseConfig): NoiseConfig {
  if ((PAPER_KINDS as readonly string[]).includes(name)) return paper;
  const kind = noiseKind(name);
  const defaults = kind.defaults as NoiseConfig;
  return Object.fromEntries(kind.noiseKeys.map((key) => [key, defaults[key]]));
}

/** Dimension of the fixture problem. */
export const D = 6;

/** A fixture: Σ (object and dense), H (dense and its full eigendecomposition) and the full NoiseStats. */
export interface NoiseFixture {
  readonly cov: Covariance;
  readonly sigmaDense: Float64Array;
  readonly hessianDense: Float64Array;
  readonly hessianEig: EigenPairs;
  readonly sigmaEig: EigenPairs;
  readonly stats: NoiseStats;
}

/** Builds the fixture from a seed (12 correlated gradient samples, a PSD Hessian with distinct eigenvalues). */
export async function noiseFixture(seed = 1): Promise<NoiseFixture> {
  const rng = new Rng(seed);
  const grads = Array.from({ length: 12 }, () => {
    const z = rng.fillNormal(new Float64Array(D));
    return Float32Array.from({ length: D }, (_, i) => 1 + (i + 1) * z[i]! + 0.5 * z[(i + 1) % D]!);
  });
  const cov = minibatchCovariance(grads);
  const sigmaDense = new Float64Array(D * D);
  for (const c of cov.factor) for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) sigmaDense[i * D + j]! += c[i]! * c[j]!;
  const { matrix: hessianDense } = randomSymmetric([9, 4, 2, 1, 0.5, 0.1], rng);
  const he = symmetricEigen(hessianDense, D);
  const se = symmetricEigen(sigmaDense, D);
  const hessianEig = { eigenvalues: he.values, eigenvectors: he.vectors };
  const sigmaEig = { eigenvalues: se.values, eigenvectors: se.vectors };
  const stats: NoiseStats = {
    size: D,
    covarianceTrace: cov.trace,
    covarianceDiagonal: cov.diagonal(),
    covarianceTopK: await cov.topK(D),
    hessianTopK: hessianEig,
  };
  return { cov, sigmaDense, hessianDense, hessianEig, sigmaEig, stats };
}

/** Σ_j w_j v_j v_jᵀ as a dense D×D matrix. */
export function outerSum(vectors: readonly Float64Array[], weights: readonly number[]): Float64Array {
  const out = new Float64Array(D * D);
  vectors.forEach((v, j) => {
    for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) out[a * D + b]! += weights[j]! * v[a]! * v[b]!;
  });
  return out;
}

/** Asserts that the sampler's declared covariance equals `target` (relative 1e-10 of its largest entry). */
export function assertShapeEquals(t: ExecutionContext, sampler: NoiseSampler, target: Float64Array): void {
  const dense = shapeDense(sampler.shape);
  const scale = Math.max(1e-300, ...target.map(Math.abs));
  for (let i = 0; i < D * D; i++) t.true(Math.abs(dense[i]! - target[i]!) <= 1e-10 * scale, `entry ${i}: ${dense[i]} vs ${target[i]}`);
}

/**
 * Draws `draws` samples and checks every entry of the empirical second moment against `target` within 5 standard
 * deviations, using Var(ξ_iξ_j) = Σ_ij² + Σ_iiΣ_jj for a Gaussian; and the mean against 0 within 5·√(Σ_ii/draws).
 */
export function assertEmpiricalCovariance(t: ExecutionContext, sampler: NoiseSampler, target: Float64Array, draws = 40_000, seed = 7): void {
  const rng = new Rng(seed);
  const xi = new Float32Array(D);
  const second = new Float64Array(D * D);
  const mean = new Float64Array(D);
  for (let r = 0; r < draws; r++) {
    sampler.sample(rng, xi);
    for (let i = 0; i < D; i++) {
      mean[i]! += xi[i]! / draws;
      for (let j = 0; j < D; j++) second[i * D + j]! += (xi[i]! * xi[j]!) / draws;
    }
  }
  for (let i = 0; i < D; i++) {
    const sdMean = Math.sqrt(target[i * D + i]! / draws);
    t.true(Math.abs(mean[i]!) <= 5 * sdMean + 1e-12, `mean ${i}: ${mean[i]} (sd ${sdMean})`);
    for (let j = 0; j < D; j++) {
      const s = target[i * D + j]!;
      const sd = Math.sqrt((s * s + target[i * D + i]! * target[j * D + j]!) / draws);
      t.true(Math.abs(second[i * D + j]! - s) <= 5 * sd + 1e-12, `entry (${i}, ${j}): ${second[i * D + j]} vs ${s} (sd ${sd})`);
    }
  }
}

/** Tr of a dense D×D matrix. */
export function trace(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < D; i++) s += a[i * D + i]!;
  return s;
}
