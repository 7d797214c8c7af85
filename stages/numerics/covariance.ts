/**
 * The gradient-noise covariance Σ from n gradient samples, held as a low-rank factor and never as a D×D matrix.
 *
 * Σ = Σ_k c_k c_kᵀ = CᵀC with factor rows c_k = (g_k − ḡ)·s (float64): the matvec is two passes over C, the trace and
 * diagonal come from row norms, the leading eigenpairs from the small n×n Gram matrix C·Cᵀ, and exact Gaussian noise
 * with covariance Σ is ξ = Cᵀz with z ~ N(0, I_n).
 */
import { symmetricEigen, type EigenPairs, type SymmetricEigen } from './eigen.ts';
import { lanczos } from './lanczos.ts';
import { denseOperator, type LinearOperator } from './operator.ts';
import type { Rng } from './random.ts';
import { axpy, dot, gramMatrix, norm, type NumericVector } from './vector.ts';

/** A covariance Σ = Σ_k c_k c_kᵀ with its exact statistics and an exact Gaussian sampler. */
export class Covariance {
  /** Dimension D. */
  readonly size: number;
  /** Number of factor rows n (Σ has rank ≤ n). */
  readonly rank: number;
  /** Factor rows c_k (float64, length D): Σ = Σ_k c_k c_kᵀ. */
  readonly factor: readonly Float64Array[];
  /** Mean ḡ of the gradient samples the covariance was built from (zeros when built from a bare factor). */
  readonly mean: Float64Array;
  /** Tr Σ = Σ_k ‖c_k‖², exact. */
  readonly trace: number;
  /** Σ as a linear operator: v ↦ Σ_k (c_k·v) c_k. */
  readonly operator: LinearOperator;
  private diag: Float64Array | undefined;
  private eig: EigenPairs | undefined;

  /** Wraps factor rows (copied to float64); `mean` is carried along for the caller. */
  constructor(factor: readonly NumericVector[], mean?: Float64Array) {
    if (factor.length === 0) throw new Error('Covariance: needs at least one factor row');
    const size = factor[0]!.length;
    if (size === 0) throw new Error('Covariance: factor rows have length 0');
    this.factor = Object.freeze(
      factor.map((row, k) => {
        if (row.length !== size) throw new Error(`Covariance: factor row ${k} has length ${row.length}, expected ${size}`);
        return Float64Array.from(row);
      }),
    );
    this.size = size;
    this.rank = factor.length;
    this.mean = mean ?? new Float64Array(size);
    this.trace = this.factor.reduce((s, c) => s + dot(c, c), 0);
    const rows = this.factor;
    this.operator = {
      size,
      matvec: (v: Float64Array) => {
        if (v.length !== size) throw new Error(`Covariance.operator: vector of length ${v.length}, expected ${size}`);
        const out = new Float64Array(size);
        for (const c of rows) axpy(dot(c, v), c, out);
        return out;
      },
    };
  }

  /** diag(Σ)_i = Σ_k c_k[i]², exact (computed once). */
  diagonal(): Float64Array {
    if (this.diag === undefined) {
      const d = new Float64Array(this.size);
      for (const c of this.factor) for (let i = 0; i < this.size; i++) d[i]! += c[i]! * c[i]!;
      this.diag = d;
    }
    return Float64Array.from(this.diag);
  }

  /** vᵀΣv = Σ_k (c_k·v)². */
  quadraticForm(v: NumericVector): number {
    if (v.length !== this.size) throw new Error(`Covariance.quadraticForm: vector of length ${v.length}, expected ${this.size}`);
    let s = 0;
    for (const c of this.factor) s += dot(c, v) ** 2;
    return s;
  }

  /**
   * The k leading eigenpairs of Σ, from the n×n Gram matrix CCᵀ = UΛUᵀ (v_j = Cᵀu_j/√λ_j) when n < D, else from the
   * dense D×D matrix CᵀC. The small matrix is solved fully in float64 when its order is ≤ 400, else by Lanczos on it
   * to relative residual 1e-12. Results are cached (a later call with a smaller k is free). Throws if k exceeds the
   * numerical rank (only possible when n < D: those eigenvectors are not determined by the samples).
   */
  async topK(k: number): Promise<EigenPairs> {
    if (!Number.isInteger(k) || k < 1 || k > this.size) {
      throw new Error(`Covariance.topK: k=${k} must be an integer in [1, D=${this.size}]`);
    }
    if (this.eig === undefined || this.eig.eigenvalues.length < k) this.eig = await this.decomposition(k);
    const eig = this.eig;
    return Object.freeze({
      eigenvalues: eig.eigenvalues.slice(0, k),
      eigenvectors: Object.freeze(eig.eigenvectors.slice(0, k).map((v) => Float64Array.from(v))),
    });
  }

  /** Fills `out` with ξ = Σ_k z_k c_k, z ~ N(0, I_n): one exact draw from N(0, Σ). Returns `out`. */
  sample<T extends Float32Array | Float64Array>(rng: Rng, out: T): T {
    if (out.length !== this.size) throw new Error(`Covariance.sample: output of length ${out.length}, expected ${this.size}`);
    const acc = new Float64Array(this.size);
    for (const c of this.factor) axpy(rng.normal(), c, acc);
    out.set(acc);
    return out;
  }

  /** s·Σ as a new covariance (factor rows scaled by √s), e.g. `cov.scaled(0.01 / cov.trace)` has trace 0.01. */
  scaled(s: number): Covariance {
    if (!(s >= 0) || !Number.isFinite(s)) throw new Error(`Covariance.scaled: factor must be finite and ≥ 0, got ${s}`);
    const r = Math.sqrt(s);
    return new Covariance(
      this.factor.map((c) => c.map((x) => x * r)),
      this.mean,
    );
  }

  /** At least the k leading eigenpairs of Σ (descending). */
  private async decomposition(k: number): Promise<EigenPairs> {
    const n = this.rank;
    const d = this.size;
    if (n < d) {
      const e = await leadingEigen(gramMatrix(this.factor), n, k);
      const cutoff = Math.max(e.values[0]!, 0) * n * 1e-13;
      const rank = e.values.findIndex((x) => !(x > cutoff));
      if (rank !== -1 && rank < k) {
        throw new Error(`Covariance.topK: k=${k} exceeds the numerical rank ${rank} of Σ (${n} factor rows, D=${d})`);
      }
      const count = rank === -1 ? e.values.length : rank;
      const eigenvectors: Float64Array[] = [];
      for (let j = 0; j < count; j++) {
        const v = new Float64Array(d);
        const u = e.vectors[j]!;
        for (let i = 0; i < n; i++) axpy(u[i]!, this.factor[i]!, v);
        const nv = norm(v);
        eigenvectors.push(v.map((x) => x / nv));
      }
      return Object.freeze({ eigenvalues: e.values.slice(0, count), eigenvectors: Object.freeze(eigenvectors) });
    }
    const dense = new Float64Array(d * d);
    for (const c of this.factor) {
      for (let i = 0; i < d; i++) {
        const ci = c[i]!;
        for (let j = 0; j < d; j++) dense[i * d + j]! += ci * c[j]!;
      }
    }
    const e = await leadingEigen(dense, d, k);
    return Object.freeze({ eigenvalues: e.values.map((x) => Math.max(x, 0)), eigenvectors: Object.freeze(e.vectors.map((v) => Float64Array.from(v))) });
  }
}

/** Largest full decomposition done with the dense solver; above it, Lanczos on the small matrix. */
const DENSE_EIGEN_LIMIT = 400;

/** At least the k leading eigenpairs of a symmetric m×m matrix (all m when m ≤ DENSE_EIGEN_LIMIT). */
async function leadingEigen(a: Float64Array, m: number, k: number): Promise<SymmetricEigen> {
  if (m <= DENSE_EIGEN_LIMIT) return symmetricEigen(a, m);
  const res = await lanczos(denseOperator(a, m), { k, tol: 1e-12, seed: 0x5eed, maxIter: Math.max(2000, 20 * k) });
  if (!res.converged) {
    throw new Error(`Covariance.topK: Lanczos on the ${m}×${m} matrix did not converge (relative residual ${Math.max(...res.relativeResiduals)})`);
  }
  return { values: res.eigenvalues, vectors: res.eigenvectors };
}

/** Validates gradient rows and returns (D, mean ḡ in float64). */
function meanOf(grads: readonly NumericVector[], who: string): { size: number; mean: Float64Array } {
  if (grads.length === 0) throw new Error(`${who}: no gradient samples`);
  const size = grads[0]!.length;
  const mean = new Float64Array(size);
  grads.forEach((g, k) => {
    if (g.length !== size) throw new Error(`${who}: sample ${k} has length ${g.length}, expected ${size}`);
    for (let i = 0; i < size; i++) {
      const x = g[i]!;
      if (!Number.isFinite(x)) throw new Error(`${who}: sample ${k} has non-finite value ${x} at index ${i}`);
      mean[i]! += x;
    }
  });
  for (let i = 0; i < size; i++) mean[i]! /= grads.length;
  return { size, mean };
}

/** Rows (g_k − ḡ)·s in float64. */
function centeredRows(grads: readonly NumericVector[], mean: Float64Array, s: number): Float64Array[] {
  return grads.map((g) => {
    const c = new Float64Array(mean.length);
    for (let i = 0; i < c.length; i++) c[i] = (g[i]! - mean[i]!) * s;
    return c;
  });
}

/**
 * Σ = 1/(n−1) Σ_k (g_k − ḡ)(g_k − ḡ)ᵀ from n ≥ 2 minibatch-mean gradients (the paper's Fashion-MNIST estimator).
 * Example: `minibatchCovariance(batchGrads).trace`.
 */
export function minibatchCovariance(grads: readonly NumericVector[]): Covariance {
  if (grads.length < 2) throw new Error(`minibatchCovariance: needs n ≥ 2 gradient samples, got ${grads.length}`);
  const { mean } = meanOf(grads, 'minibatchCovariance');
  return new Covariance(centeredRows(grads, mean, 1 / Math.sqrt(grads.length - 1)), mean);
}

/**
 * Σ = (1/m)·[(1/N) Σ_i g_i g_iᵀ − ḡḡᵀ] = 1/(mN) Σ_i (g_i − ḡ)(g_i − ḡ)ᵀ from N per-example gradients, for batch
 * size m (the covariance of a minibatch-mean gradient under sampling with replacement).
 */
export function perExampleCovariance(grads: readonly NumericVector[], m: number): Covariance {
  if (!(m > 0) || !Number.isFinite(m)) throw new Error(`perExampleCovariance: batch size m must be positive, got ${m}`);
  if (grads.length < 2) throw new Error(`perExampleCovariance: needs N ≥ 2 per-example gradients, got ${grads.length}`);
  const { mean } = meanOf(grads, 'perExampleCovariance');
  return new Covariance(centeredRows(grads, mean, 1 / Math.sqrt(m * grads.length)), mean);
}
