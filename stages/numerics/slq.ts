/**
 * Stochastic Lanczos quadrature (SLQ) for the spectral density of a symmetric operator (Ghorbani, Krishnan & Xiao
 * 2019; Lin, Saad & Yang 2016).
 *
 * For each unit probe v, m Lanczos steps (full reorthogonalisation, float64) give a tridiagonal T = Σ τ_j e_j e_jᵀ;
 * the Gauss quadrature nodes τ_j with weights ω_j = (e_j[0])² satisfy Σ_j ω_j τ_j^p = vᵀAᵖv for p ≤ 2m − 1. Averaged
 * over probes with E[vvᵀ] = I/D, these are unbiased for tr(Aᵖ)/D, and Σ ω_j g_σ(t − τ_j) smooths them into a density
 * that integrates to 1.
 */
import { symmetricEigen } from './eigen.ts';
import type { LinearOperator } from './operator.ts';
import { Rng } from './random.ts';
import { axpy, dot, norm, orthogonalizeInPlace, scaleInPlace } from './vector.ts';

/** Options of `slq`. */
export interface SlqOptions {
  /** Number of independent probes. */
  readonly probes: number;
  /** Lanczos steps per probe (m ≤ size); fewer are taken if the Krylov space becomes invariant. */
  readonly steps: number;
  /** Probe distribution before normalisation to unit length (default 'rademacher'). */
  readonly probe?: 'rademacher' | 'gaussian';
  /** Random stream for the probes. */
  readonly rng?: Rng;
  /** Seed for a fresh `Rng` when `rng` is not given. */
  readonly seed?: number;
}

/** Result of `slq`: Gauss quadrature nodes and weights per probe (each probe's weights sum to 1). */
export interface SlqResult {
  /** Operator dimension D. */
  readonly size: number;
  /** Nodes τ_j (Ritz values, descending) per probe. */
  readonly nodes: readonly Float64Array[];
  /** Weights ω_j per probe, aligned with `nodes`. */
  readonly weights: readonly Float64Array[];
  /** Lanczos steps actually taken per probe. */
  readonly stepsTaken: readonly number[];
  /** Total operator applications. */
  readonly matvecs: number;
}

/** Runs SLQ. Example: `const r = await slq(op, {probes: 10, steps: 80, seed: 1})`. */
export async function slq(op: LinearOperator, options: SlqOptions): Promise<SlqResult> {
  const size = op.size;
  const { probes, steps } = options;
  if (!Number.isInteger(probes) || probes < 1) throw new Error(`slq: probes must be a positive integer, got ${probes}`);
  if (!Number.isInteger(steps) || steps < 1 || steps > size) {
    throw new Error(`slq: steps=${steps} must be an integer in [1, size=${size}]`);
  }
  let rng = options.rng;
  if (rng === undefined) {
    if (options.seed === undefined) throw new Error('slq: pass `rng` or `seed`');
    rng = new Rng(options.seed);
  }
  const kind = options.probe ?? 'rademacher';
  const nodes: Float64Array[] = [];
  const weights: Float64Array[] = [];
  const stepsTaken: number[] = [];
  let matvecs = 0;
  for (let p = 0; p < probes; p++) {
    const v0 = new Float64Array(size);
    if (kind === 'rademacher') rng.fillRademacher(v0);
    else if (kind === 'gaussian') rng.fillNormal(v0);
    else throw new Error(`slq: unknown probe kind '${String(kind)}' (expected 'rademacher' or 'gaussian')`);
    scaleInPlace(1 / norm(v0), v0);
    const { alpha, beta, applied } = await lanczosTridiagonal(op, v0, steps);
    matvecs += applied;
    const m = alpha.length;
    const t = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      t[i * m + i] = alpha[i]!;
      if (i + 1 < m) t[i * m + i + 1] = t[(i + 1) * m + i] = beta[i]!;
    }
    const eig = symmetricEigen(t, m);
    nodes.push(eig.values);
    weights.push(Float64Array.from(eig.vectors, (s) => s[0]! * s[0]!));
    stepsTaken.push(m);
  }
  return Object.freeze({ size, nodes: Object.freeze(nodes), weights: Object.freeze(weights), stepsTaken: Object.freeze(stepsTaken), matvecs });
}

/**
 * The Lanczos recurrence from the unit vector v0 with full reorthogonalisation: diagonal α (length m ≤ steps) and
 * off-diagonal β (length m − 1) of T = QᵀAQ. Stops early when the Krylov space becomes invariant.
 */
export async function lanczosTridiagonal(
  op: LinearOperator,
  v0: Float64Array,
  steps: number,
): Promise<{ alpha: Float64Array; beta: Float64Array; applied: number }> {
  const size = op.size;
  if (v0.length !== size) throw new Error(`lanczosTridiagonal: start vector length ${v0.length}, expected ${size}`);
  const q: Float64Array[] = [Float64Array.from(v0)];
  const alpha: number[] = [];
  const beta: number[] = [];
  let scale = 0;
  for (let j = 0; j < steps; j++) {
    const w = Float64Array.from(await op.matvec(q[j]!));
    if (w.length !== size) throw new Error(`lanczosTridiagonal: matvec returned length ${w.length}, expected ${size}`);
    const a = dot(q[j]!, w);
    if (!Number.isFinite(a)) throw new Error(`lanczosTridiagonal: non-finite α=${a} at step ${j}`);
    alpha.push(a);
    scale = Math.max(scale, norm(w));
    if (j + 1 === steps) break;
    axpy(-a, q[j]!, w);
    if (j > 0) axpy(-beta[j - 1]!, q[j - 1]!, w);
    const b = orthogonalizeInPlace(w, q);
    if (b <= 1e-12 * Math.max(scale, Number.MIN_VALUE)) break; // invariant subspace: the quadrature is exact
    beta.push(b);
    q.push(scaleInPlace(1 / b, w));
  }
  return { alpha: Float64Array.from(alpha), beta: Float64Array.from(beta), applied: alpha.length };
}

/** Average over probes of Σ_j ω_j τ_j^p: an unbiased estimate of tr(Aᵖ)/D (exact per probe for p ≤ 2m − 1). */
export function slqMoment(result: SlqResult, p: number): number {
  let total = 0;
  result.nodes.forEach((tau, l) => {
    const w = result.weights[l]!;
    for (let j = 0; j < tau.length; j++) total += w[j]! * Math.pow(tau[j]!, p);
  });
  return total / result.nodes.length;
}

/** The Gaussian-smoothed density (1/n_v) Σ_l Σ_j ω_j g_σ(t − τ_j) at each point t of `grid`. */
export function slqDensity(result: SlqResult, grid: ArrayLike<number>, sigma: number): Float64Array {
  if (!(sigma > 0)) throw new Error(`slqDensity: sigma must be positive, got ${sigma}`);
  const out = new Float64Array(grid.length);
  const c = 1 / (Math.sqrt(2 * Math.PI) * sigma * result.nodes.length);
  result.nodes.forEach((tau, l) => {
    const w = result.weights[l]!;
    for (let j = 0; j < tau.length; j++) {
      for (let g = 0; g < grid.length; g++) {
        const z = (grid[g]! - tau[j]!) / sigma;
        if (z > -40 && z < 40) out[g]! += c * w[j]! * Math.exp(-0.5 * z * z);
      }
    }
  });
  return out;
}

/** The smoothed density on `points` evenly spaced points spanning all nodes ± `pad`·σ (default 300 points, pad 5). */
export function slqDensityGrid(
  result: SlqResult,
  options: { readonly sigma: number; readonly points?: number; readonly pad?: number },
): { readonly grid: Float64Array; readonly density: Float64Array; readonly sigma: number } {
  const points = options.points ?? 300;
  const pad = options.pad ?? 5;
  if (!Number.isInteger(points) || points < 2) throw new Error(`slqDensityGrid: points must be an integer ≥ 2, got ${points}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const tau of result.nodes)
    for (const x of tau) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  lo -= pad * options.sigma;
  hi += pad * options.sigma;
  const grid = Float64Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  return Object.freeze({ grid, density: slqDensity(result, grid, options.sigma), sigma: options.sigma });
}
